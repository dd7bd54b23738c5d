package groksweep.worker;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** Loads libtorch from the pytorch-native-cpu jar on the classpath, never from the network. */
public final class Torch {
    private Torch() {}

    /** Starts the PyTorch engine offline (idempotent) and returns it. */
    public static synchronized Engine engine() {
        // DJL reads these once, when the engine first loads; the launcher sets them too.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("OPT_OUT_TRACKING", System.getProperty("OPT_OUT_TRACKING", "true"));
        return Engine.getEngine("PyTorch");
    }

    /** libtorch intra-op threads for the calling thread (OpenMP counts are per thread). */
    public static void useThreads(int threads) {
        engine();
        JniUtils.setNumThreads(threads);
    }

    /**
     * The device for {@code name} (cpu or gpu); gpu only when the loaded libtorch has CUDA and a
     * GPU is visible, else a {@link groksweep.config.ConfigException} saying so.
     */
    public static ai.djl.Device device(String name) {
        switch (name) {
            case "cpu":
                return ai.djl.Device.cpu();
            case "gpu":
                int gpus = engine().getGpuCount();
                if (gpus == 0) {
                    throw new groksweep.config.ConfigException("device", name, "cpu: the loaded libtorch "
                            + engine().getVersion() + " sees no CUDA GPU (a CPU build, or no driver); for gpu put"
                            + " CUDA natives on the classpath (docs/CLUSTER.md: GPUs)");
                }
                return ai.djl.Device.gpu();
            default:
                throw new groksweep.config.ConfigException("device", name, "cpu or gpu");
        }
    }

    public static String djlVersion() {
        return Engine.getDjlVersion();
    }

    public static String libtorchVersion() {
        return engine().getVersion();
    }
}
