package groksweep.worker;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;

/**
 * Loads libtorch from the natives jar on the classpath (pytorch-native-cpu, or CUDA's in the gpu
 * build), never from the network. The one place that knows DJL's loading; it compiles and runs
 * against the default DJL and the gpu build's alike.
 */
public final class Torch {
    private static boolean checked;

    private Torch() {}

    /** Starts the PyTorch engine offline (idempotent) and returns it. */
    public static synchronized Engine engine() {
        // DJL reads these once, when the engine first loads; the launcher sets them too.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("OPT_OUT_TRACKING", System.getProperty("OPT_OUT_TRACKING", "true"));
        if (!checked) {
            Optional<Natives.Bundled> bundled = Natives.bundled();
            Natives.check(bundled, Natives.platform());
            Natives.cpuFlavorOverride(bundled, CudaUtils.getGpuCount(), Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR"))
                    .ifPresent(flavor -> {
                        Natives.unpack(bundled.get(), engineProperty("pytorch_version"), Utils.getEngineCacheDir("pytorch"));
                        System.setProperty("PYTORCH_FLAVOR", flavor);
                    });
            checked = true;
        }
        return Engine.getEngine("PyTorch");
    }

    /** A key of the engine jar's pytorch-engine.properties (its DJL and libtorch versions). */
    private static String engineProperty(String key) {
        try (InputStream in = Torch.class.getClassLoader().getResourceAsStream("pytorch-engine.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        engine();
        switch (name) {
            case "cpu":
                return ai.djl.Device.cpu();
            case "gpu":
                int gpus = engine().getGpuCount();
                if (gpus == 0) {
                    boolean cuda = Natives.bundled().map(Natives.Bundled::cuda).orElse(false);
                    throw new groksweep.config.ConfigException("device", name, "cpu: the loaded libtorch "
                            + engine().getVersion() + (cuda ? " (CUDA) sees no GPU: none on this machine, or no NVIDIA driver"
                            : " is a CPU build; build the CUDA jar with mvn -Pgpu -DskipTests package (docs/CLUSTER.md: GPUs)"));
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
