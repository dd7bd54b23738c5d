package groksweep.worker;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;
import groksweep.model.Model;
import groksweep.train.Optimizer;
import groksweep.train.Split;
import groksweep.train.Trainer;

import java.util.Arrays;

/**
 * Parameters as .npz under the paper's names and shapes, with the split as int64 {@code train_idx}
 * and {@code test_idx} (indices a·p + b): the reference PyTorch code loads it as it is.
 */
public final class ParamsFile {
    private ParamsFile() {}

    /** A single run's parameters (R = 1, written without the run axis) and its split. */
    public static byte[] encode(Model model, Split split) {
        NDManager m = model.params().head().getManager();
        try (NDManager scope = m.newSubManager()) {
            NDList out = new NDList();
            for (String name : model.names()) {
                NDArray copy = model.param(name).get(0).duplicate();
                copy.attach(scope);
                copy.setName(name);
                out.add(copy);
            }
            NDArray train = scope.create(Arrays.stream(split.train()).asLongStream().toArray());
            train.setName("train_idx");
            NDArray test = scope.create(Arrays.stream(split.test()).asLongStream().toArray());
            test.setName("test_idx");
            out.add(train);
            out.add(test);
            return out.encode(NDList.Encoding.NPZ);
        }
    }

    /**
     * A checkpoint: parameters and the optimizer's state by name (moments, filters, updates done),
     * bit-exact, so a resumed run continues as if never stopped. A single run's (R = 1).
     */
    public static byte[] checkpoint(Model model, Optimizer optimizer) {
        NDManager m = model.params().head().getManager();
        try (NDManager scope = m.newSubManager()) {
            NDList out = new NDList();
            for (String name : model.names()) {
                out.add(named(scope, model.param(name).get(0), name));
            }
            out.addAll(optimizer.state(scope));
            return out.encode(NDList.Encoding.NPZ);
        }
    }

    /** The model and optimizer of a checkpoint, in {@code manager}. */
    public static Trainer.Resumed restore(TrainConfig c, byte[] npz, NDManager manager) {
        NDList all = NDList.decode(manager, npz);
        NDList params = new NDList();
        for (String name : Model.names(c)) {
            params.add(all.get(name));
        }
        Model model = Model.of(c, params);
        return new Trainer.Resumed(model, new Optimizer(c, model.params(), all));
    }

    private static NDArray named(NDManager scope, NDArray x, String name) {
        NDArray copy = x.duplicate();
        copy.attach(scope);
        copy.setName(name);
        return copy;
    }

    /** The model and split stored in {@code npz}, checked against the config's shapes. */
    public static Model decodeModel(TrainConfig c, byte[] npz, NDManager manager) {
        NDList all = NDList.decode(manager, npz);
        Model fresh = Model.initialise(c, manager); // for the expected shapes and dtype
        NDList params = new NDList();
        for (String name : fresh.names()) {
            NDArray stored = all.get(name);
            NDArray expected = fresh.param(name).get(0); // without the run axis, as files hold it
            if (stored == null || stored.getShape().size() != expected.getShape().size()) {
                throw new ConfigException("init: parameter " + name + " is missing or has shape "
                        + (stored == null ? "none" : stored.getShape()) + "; expected " + expected.getShape());
            }
            params.add(stored.reshape(expected.getShape()).toType(expected.getDataType(), false));
        }
        fresh.params().close();
        return Model.of(c, params);
    }

    /** The split stored in {@code npz}, or null when it has none. */
    public static Split decodeSplit(TrainConfig c, byte[] npz, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDList all = NDList.decode(scope, npz);
            NDArray train = all.get("train_idx");
            NDArray test = all.get("test_idx");
            if (train == null || test == null) {
                return null;
            }
            return new Split(c.modulus(), toInts(train), toInts(test));
        }
    }

    private static int[] toInts(NDArray x) {
        return Arrays.stream(x.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray())
                .mapToInt(Math::toIntExact).toArray();
    }
}
