package groksweep.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether subnormal floating-point numbers are flushed to zero on the calling thread, as
 * {@code torch.set_flush_denormal} sets it: libtorch's own static {@code at::Context::setFlushDenormal},
 * which sets the CPU's flush-to-zero and denormals-are-zero modes (x86's MXCSR) of this thread. DJL
 * does not expose it, so it is called through JNA in the libtorch DJL loaded. Arithmetic on
 * subnormals is many times slower on x86, and strong weight decay drives weights and optimizer
 * state there (docs/REFERENCE.md, Limits). Linux only (the library is found in /proc/self/maps);
 * libtorch's intra-op threads other than the calling one keep their mode, so it takes full effect
 * with one thread per run.
 */
public final class Subnormals {
    private Subnormals() {}

    private static Function setFlushDenormal; // libtorch's, or null where it cannot be reached
    private static boolean resolved;

    /** This thread's mode as set here: off until a run asks for it. */
    private static final ThreadLocal<Boolean> ON = ThreadLocal.withInitial(() -> false);

    /**
     * Sets this thread's mode; false where it cannot (not Linux, or a CPU without the modes). A
     * thread that never flushed is left alone, so runs that do not ask never reach native code.
     */
    public static boolean flush(boolean on) {
        if (on == ON.get()) {
            return true;
        }
        synchronized (Subnormals.class) {
            if (!resolved) {
                resolve();
            }
        }
        boolean done = setFlushDenormal != null
                && (Byte) setFlushDenormal.invoke(Byte.class, new Object[] {(byte) (on ? 1 : 0)}) != 0;
        ON.set(on && done);
        return done;
    }

    private static void resolve() {
        resolved = true;
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return;
        }
        try (var lines = Files.lines(maps)) {
            String lib = lines.filter(l -> l.endsWith("/libtorch_cpu.so")).findFirst()
                    .map(l -> l.substring(l.indexOf('/'))).orElse(null);
            if (lib != null) {
                setFlushDenormal = NativeLibrary.getInstance(lib) // loaded by DJL already: the same handle
                        .getFunction("_ZN2at7Context16setFlushDenormalEb");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
