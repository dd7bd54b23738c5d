package groksweep.cluster;

import java.util.function.ObjIntConsumer;

/**
 * The cluster tests' fault, installed as the sweep's step hook ({@code spark.groksweep.stepHook}):
 * with {@code GROKSWEEP_FAULT_HALT=<run_id>@<step>} in the executor's environment, an attempt
 * training that run halts its JVM at that step, as a native crash or the kernel's OOM killer would.
 * It uses nothing but the JDK, so it loads from {@code spark.executor.extraClassPath}.
 */
public final class HaltAt implements ObjIntConsumer<String> {
    private final String fault = System.getenv("GROKSWEEP_FAULT_HALT");

    @Override
    public void accept(String runId, int step) {
        if (fault != null && fault.startsWith(runId + "@") && step >= Integer.parseInt(fault.substring(fault.indexOf('@') + 1))) {
            Runtime.getRuntime().halt(137);
        }
    }
}
