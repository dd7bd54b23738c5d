package groksweep.cli;

import groksweep.results.Compaction;
import groksweep.results.ResultsStore;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code groksweep compact RESULTS}: merge committed runs' files into one sorted part per table. */
@Command(name = "compact", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Merge the committed runs' per-run files into one Parquet file per table, sorted by run and step.",
            "Readers (sql, analyze, a resumed sweep) see every run exactly once throughout; a killed compaction",
            "changes nothing visible and the next one finishes it. A sweep may write meanwhile. docs/DESIGN.md: Compaction."},
        footer = "%nExit codes: 0 done, 2 results missing or not a results root.")
public final class CompactCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RESULTS", description = "a results root (local path or Hadoop URI)")
    String results;

    @Option(names = "--grace-seconds", defaultValue = "30",
            description = "wait this long after switching to the merged files before deleting the old ones, "
                    + "for readers that started before. Default: ${DEFAULT-VALUE}")
    int graceSeconds;

    @Override
    public Integer call() throws Exception {
        if (graceSeconds < 0) {
            return Cli.fail(spec, "--grace-seconds: '" + graceSeconds + "' is not allowed; expected an integer ≥ 0");
        }
        ResultsStore store = new ResultsStore(results);
        if (!store.fileSystem().exists(store.root()) || !store.exists("runs")) {
            return Cli.fail(spec, "RESULTS: '" + results + "' holds no runs; expected a results root");
        }
        Compaction.Report r = Compaction.compact(store, Duration.ofSeconds(graceSeconds), Compaction.NO_STAGES);
        if (r.skipped() != null) {
            return Cli.fail(spec, "compaction skipped: " + r.skipped());
        }
        System.out.printf("compacted %d runs into %d files (one per table); deleted %d files%n",
                r.runs(), r.partsWritten(), r.filesDeleted());
        return 0;
    }
}
