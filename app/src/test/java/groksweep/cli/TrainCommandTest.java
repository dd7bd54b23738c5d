package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

class TrainCommandTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--modulus 2                 | error: --modulus: '2' is not allowed; expected an integer from 3 to 46340 (p² pairs are indexed by a 32-bit integer)",
        "--train-fraction 1.5        | error: --train-fraction: '1.5' is not allowed; expected a number in (0, 1)",
        "--steps 0                   | error: --steps: '0' is not allowed; expected an integer > 0",
        "--weight-decay -1           | error: --weight-decay: '-1.0' is not allowed; expected a number ≥ 0",
        "--modulos 7                 | error: Unknown options: '--modulos', '7' (see 'train --help')",
        "--steps many                | error: Invalid value for option '--steps': 'many' is not an int (see 'train --help')",
    })
    void badOptionsExitTwoWithOneLineAndWriteNothing(String args, String expected) {
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        CommandLine cmd = TrainCommand.commandLine();
        cmd.setErr(new PrintWriter(err));
        String[] argv = (args.trim() + " --out " + out).split("\\s+");
        assertEquals(2, cmd.execute(argv));
        assertEquals(expected, err.toString().trim());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** No CUDA in the CPU natives: --device gpu is a one-line error, and nothing is written. */
    @org.junit.jupiter.api.Test
    void gpuWithoutCudaIsAClearError() {
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        CommandLine cmd = TrainCommand.commandLine();
        cmd.setErr(new PrintWriter(err));
        assertEquals(2, cmd.execute("--device", "gpu", "--steps", "5", "--out", out.toString()));
        assertEquals(true, err.toString().startsWith("error: --device: 'gpu' is not allowed; expected cpu: the loaded libtorch"),
                err.toString());
        assertEquals(1, err.toString().strip().lines().count());
        assertFalse(Files.exists(out));
    }

    @ParameterizedTest
    @CsvSource({"file"})
    void anOutputPathThatIsAFileIsRefused(String name) throws Exception {
        Path file = Files.writeString(dir.resolve(name), "x");
        StringWriter err = new StringWriter();
        CommandLine cmd = TrainCommand.commandLine();
        cmd.setErr(new PrintWriter(err));
        assertEquals(2, cmd.execute("--steps", "5", "--out", file.toString()));
        assertEquals("error: --out: '" + file + "' is a file; expected a directory (new or a results root)",
                err.toString().trim());
        assertEquals("x", Files.readString(file));
    }
}
