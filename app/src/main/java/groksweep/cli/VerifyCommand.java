package groksweep.cli;

import groksweep.results.ResultsStore;
import groksweep.results.Verify;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code groksweep verify RESULTS}: which committed runs have files that cannot be read whole. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Read every committed run's files (per-run files and compacted parts) row by row, and check that",
            "each run's metrics reach its record's final step; list what is damaged (a truncated or overwritten file).",
            "'groksweep sweep SPEC --repair' retrains the damaged runs of SPEC, exactly as they were."},
        footer = "%nExit codes: 0 nothing damaged, 1 damaged runs listed, 2 results missing or not a results root.")
public final class VerifyCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RESULTS", description = "a results root (local path or Hadoop URI)")
    String results;

    @Override
    public Integer call() throws Exception {
        ResultsStore store = new ResultsStore(results);
        if (!store.fileSystem().exists(store.root()) || !store.exists("runs")) {
            return Cli.fail(spec, "RESULTS: '" + results + "' holds no runs; expected a results root");
        }
        Verify.Report r = Verify.check(store);
        r.damage().forEach(d -> System.out.println("damaged: " + d.line()));
        long runs = r.damage().stream().map(Verify.Damage::runId).distinct().count();
        System.out.printf("%d committed runs read, %d damaged%s%n", r.runs(), runs,
                runs == 0 ? "" : "; 'groksweep sweep SPEC --repair' retrains them");
        return r.damage().isEmpty() ? 0 : 1;
    }
}
