package groksweep.analysis;

import groksweep.config.ConfigException;
import groksweep.results.OutputToken;
import groksweep.results.ResultsStore;

import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Before {@code analyze} reads or writes under a results root, proves that its executors see the
 * root as the driver does ({@link OutputToken}): Spark reads the Parquet files and writes the
 * analysis tables on executors, so on a cluster a plain local path would read each node's own
 * disk. One task per executor core running now, each reading the token back; in local mode the
 * tasks run in the driver and pass.
 */
final class SharedOutput {
    private SharedOutput() {}

    /** Throws a one-line {@link ConfigException} naming an executor that does not see {@code store}'s root. */
    static void check(SparkSession spark, String root, ResultsStore store) throws IOException {
        OutputToken token = OutputToken.write(store);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int tasks = Math.max(1, sc.defaultParallelism()); // standalone, YARN, Kubernetes: the executors' cores
            String uri = store.uri().toString();
            List<OutputToken.Refusal> refusals = sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                    .mapPartitions(i -> check(uri, token).stream().iterator())
                    .collect();
            if (!refusals.isEmpty()) {
                throw new ConfigException(refusals.get(0).message("results", root) + "; nothing was analysed");
            }
        } finally {
            token.remove(store);
        }
    }

    /** On an executor: its refusal, if the root there does not show the token. */
    private static java.util.Optional<OutputToken.Refusal> check(String uri, OutputToken token) {
        SparkEnv env = SparkEnv.get();
        return token.check(new ResultsStore(uri, SparkHadoopUtil.get().newConfiguration(env.conf())),
                env.executorId(), env.blockManager().blockManagerId().host());
    }
}
