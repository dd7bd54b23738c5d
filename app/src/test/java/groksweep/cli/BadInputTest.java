package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Inputs a new user tries, each class of them: exit 2, one line on stderr naming the field, the
 * value and what is allowed, no stack trace, and nothing written (not even the output directory).
 * {@code SPEC} stands for the spec file's path and {@code OUT} for a fresh output directory.
 */
class BadInputTest {
    @TempDir Path dir;

    static String spec(String output, String more) {
        return "name: t\noutput: " + output + "\n" + more;
    }

    static String aliasBomb() {
        StringBuilder s = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++) {
            String previous = "*a" + (i - 1);
            s.append("a").append(i).append(": &a").append(i).append(" [")
                    .append(IntStream.range(0, 9).mapToObj(j -> previous).collect(Collectors.joining(", ")))
                    .append("]\n");
        }
        return s.toString();
    }

    static String hugeGrid() {
        return "grid:\n  seed: " + IntStream.range(0, 1000).boxed().toList()
                + "\n  train_fraction: " + IntStream.range(1, 101).mapToObj(i -> String.valueOf(i / 101.0)).toList()
                + "\n  weight_decay: " + IntStream.range(0, 100).mapToObj(i -> i / 10.0).toList()
                + "\n  lr: " + IntStream.range(1, 101).mapToObj(i -> i + "e-4").toList() + "\n";
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("YAML alias bomb", spec("OUT", aliasBomb()).getBytes(StandardCharsets.UTF_8), "sweep SPEC",
                        "error: SPEC: spec: not a usable YAML document: Number of aliases for non-scalar nodes exceeds"
                                + " the specified max=50; expected plain YAML"),
                Arguments.of("spec not UTF-8", new byte[] {'n', 'a', 'm', 'e', ':', ' ', (byte) 0xff, '\n'}, "sweep SPEC",
                        "error: SPEC: spec: not UTF-8 text; expected a YAML sweep spec in UTF-8"),
                Arguments.of("unknown URI scheme (sweep)", spec("nosuchscheme://bucket/out", "").getBytes(), "sweep SPEC",
                        "error: SPEC: output: 'nosuchscheme://bucket/out' has no file system for scheme 'nosuchscheme';"
                                + " expected a local path or a URI of a file system on the classpath (file, hdfs, s3a, ...)"),
                Arguments.of("unknown URI scheme (train)", null, "train --steps 5 --out nosuchscheme://bucket/out",
                        "error: --out: 'nosuchscheme://bucket/out' has no file system for scheme 'nosuchscheme';"
                                + " expected a local path or a URI of a file system on the classpath (file, hdfs, s3a, ...)"),
                Arguments.of("unwritable output (sweep)", spec("/proc/groksweep-test/out", "").getBytes(), "sweep SPEC",
                        "error: SPEC: output: '/proc/groksweep-test/out' cannot be written ("),
                Arguments.of("unwritable output (train)", null, "train --steps 5 --out /proc/groksweep-test/out",
                        "error: --out: '/proc/groksweep-test/out' cannot be written ("),
                Arguments.of("huge grid", spec("OUT", hugeGrid()).getBytes(), "sweep SPEC",
                        "error: SPEC: grid (line 4): 4 axes of 1000 × 100 × 100 × 100 values make 1,000,000,000 runs;"
                                + " expected at most 100,000 per sweep (split it into several)"),
                Arguments.of("modulus too large for memory (train)", null, "train --modulus 5000 --out OUT",
                        "error: --modulus: '5000' is not allowed; expected a run that fits in memory: at p = 5000"
                                + " (d_model 128, d_mlp 512, float32) one run needs an estimated 11,092.9 GB"),
                Arguments.of("modulus too large for memory (sweep)",
                        spec("OUT", "trainer:\n  modulus: 5000\n").getBytes(), "sweep SPEC",
                        "error: SPEC: modulus: '5000' is not allowed; expected a run that fits in memory: at p = 5000"),
                Arguments.of("modulus whose p² overflows", null, "train --modulus 200003 --out OUT",
                        "error: --modulus: '200003' is not allowed; expected an integer from 3 to 46340"
                                + " (p² pairs are indexed by a 32-bit integer)"),
                Arguments.of("unknown optimizer", null, "train --optimizer lion --out OUT",
                        "error: --optimizer: 'lion' is not allowed; expected adamw, adam, sgd or muon"),
                Arguments.of("grokfast window without the MA filter", null, "train --grokfast ema --grokfast-window 50 --out OUT",
                        "error: --grokfast-window: '50' is not allowed; expected its default 100 unless grokfast: ma"
                                + " (it has no effect otherwise)"),
                Arguments.of("momentum without SGD (sweep)",
                        spec("OUT", "grid:\n  momentum: [0.5, 0.9]\n").getBytes(), "sweep SPEC",
                        "error: SPEC: grid.momentum (line 4): '0.5' is not allowed; expected its default 0.9 unless optimizer: sgd"),
                Arguments.of("grokfast alpha out of range", null, "train --grokfast ema --grokfast-alpha 1 --out OUT",
                        "error: --grokfast-alpha: '1.0' is not allowed; expected a number in [0, 1)"),
                Arguments.of("orthogonal_grad not a boolean", null, "train --orthogonal-grad yes --out OUT",
                        "error: --orthogonal-grad: 'yes' is not allowed; expected true or false"),
                Arguments.of("float32 loss of a float64 model", null, "train --dtype float64 --loss-dtype float32 --out OUT",
                        "error: --loss-dtype: 'float32' is not allowed; expected float64 when dtype is float64"),
                Arguments.of("multiplication modulo a composite", null, "train --operation mul --modulus 57 --out OUT",
                        "error: --modulus: '57' is not allowed; expected a prime with operation mul"),
                Arguments.of("unknown operation (sweep)", spec("OUT", "grid:\n  operation: [add, pow]\n").getBytes(),
                        "sweep SPEC", "error: SPEC: grid.operation (line 4): 'pow' is not allowed; expected one of add, sub,"),
                Arguments.of("unknown axis", null, "analyze OUT --axes train_fraction,nope",
                        "error: --axes: 'train_fraction,nope' is not allowed; expected X,Y, two different trainer options"
                                + " (columns of runs): modulus, train_fraction, weight_decay, seed, data_seed,"),
                Arguments.of("one axis", null, "analyze OUT --axes train_fraction",
                        "error: --axes: 'train_fraction' is not allowed; expected X,Y, two different trainer options"),
                Arguments.of("three axes", null, "analyze OUT --axes train_fraction,weight_decay,lr",
                        "error: --axes: 'train_fraction,weight_decay,lr' is not allowed; expected X,Y, two different"),
                Arguments.of("one axis twice", null, "analyze OUT --axes operation,operation",
                        "error: --axes: 'operation,operation' is not allowed; expected X,Y, two different trainer options"),
                Arguments.of("init scale zero (sweep)", spec("OUT", "trainer:\n  init_scale: 0\n").getBytes(), "sweep SPEC",
                        "error: SPEC: trainer.init_scale (line 4): '0.0' is not allowed; expected a number > 0"),
                Arguments.of("negative live report interval", spec("OUT", "").getBytes(), "sweep SPEC --live-report -1",
                        "error: --live-report: '-1' is not allowed; expected an integer ≥ 0 (0: off)"),
                Arguments.of("search past its option's range", spec("OUT", "search:\n  axis: weight_decay\n  range: [-1, 3]\n"
                        + "  resolution: 0.5\n  outcome: grokked\n").getBytes(), "sweep SPEC",
                        "error: SPEC: search.range (line 5): weight_decay: '-1.0' is not allowed; expected a number ≥ 0"),
                Arguments.of("search axis also in the grid", spec("OUT", "grid:\n  lr: [0.001]\nsearch:\n  axis: lr\n"
                        + "  range: [0.0001, 0.01]\n  resolution: 0.001\n  outcome: grokked\n").getBytes(), "sweep SPEC --dry-run",
                        "error: SPEC: search.axis (line 6): 'lr' is also a grid axis; give it in one place"),
                Arguments.of("unknown model", null, "train --model cnn --out OUT",
                        "error: --model: 'cnn' is not allowed; expected transformer or mlp"),
                Arguments.of("too many layers (sweep)", spec("OUT", "grid:\n  n_layers: [1, 5]\n").getBytes(), "sweep SPEC",
                        "error: SPEC: grid.n_layers (line 4): '5' is not allowed; expected an integer from 1 to 4"),
                Arguments.of("layers of an MLP", null, "train --model mlp --n-layers 2 --out OUT",
                        "error: --n-layers: '2' is not allowed; expected its default 1 unless model: transformer"),
                Arguments.of("attention rate of an MLP", null, "train --model mlp --attn-coeff 0.5 --out OUT",
                        "error: --attn-coeff: '0.5' is not allowed; expected its default 1.0 unless model: transformer"),
                Arguments.of("attention rate above 1", null, "train --attn-coeff 1.5 --out OUT",
                        "error: --attn-coeff: '1.5' is not allowed; expected a number in [0, 1]"),
                Arguments.of("MLP input of a transformer", null, "train --mlp-input sum --out OUT",
                        "error: --mlp-input: 'sum' is not allowed; expected its default concat unless model: mlp"),
                Arguments.of("unknown activation", null, "train --model mlp --activation tanh --out OUT",
                        "error: --activation: 'tanh' is not allowed; expected relu, gelu or quadratic"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exitTwoWithOneLineAndNothingWritten(String what, byte[] specBytes, String args, String expected)
            throws Exception {
        Path out = dir.resolve("out");
        Path spec = dir.resolve("spec.yaml");
        if (specBytes != null) {
            Files.write(spec, new String(specBytes, StandardCharsets.ISO_8859_1).replace("OUT", out.toString())
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        String[] argv = args.replace("SPEC", spec.toString()).replace("OUT", out.toString()).split(" ");
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(err));
        cmd.getSubcommands().values().forEach(sub -> sub.setErr(new PrintWriter(err)));
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed));
        int code;
        try {
            code = cmd.execute(argv);
        } finally {
            System.setOut(stdout);
        }
        String line = err.toString().strip();
        assertEquals(2, code, what + ": " + line);
        assertTrue(line.startsWith(expected.replace("SPEC", spec.toString())), what + ": " + line);
        assertEquals(1, line.lines().count(), what + ": one line, no stack trace: " + line);
        assertEquals("", printed.toString(), what + ": nothing else printed");
        assertFalse(Files.exists(out), what + ": nothing written");
        assertFalse(Files.exists(Path.of("/proc/groksweep-test")), what);
    }
}
