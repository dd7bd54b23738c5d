package groksweep.worker;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;
import groksweep.model.Model;
import groksweep.train.Optimizer;
import groksweep.train.Batches;
import groksweep.train.Split;
import groksweep.train.Trainer;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Parameters as .npz under the paper's names and shapes, with the split as int64 {@code train_idx}
 * and {@code test_idx} (indices a·p + b), and what else a replay needs: the reference PyTorch code
 * loads it as it is.
 */
public final class ParamsFile {
    private ParamsFile() {}

    /**
     * A single run's parameters (R = 1, written without the run axis) and its split; with label
     * noise also {@code train_labels}, the labels it trains on.
     */
    public static byte[] encode(Model model, Split split) {
        return encode(model, split, null, 0);
    }

    /**
     * {@link #encode(Model, Split)}, and with {@code batches} the permutation of the train set of
     * each epoch that {@code steps} updates reach, int64 {@code batch_order} [epochs, N]: what the
     * reference needs to replay a mini-batch run.
     */
    public static byte[] encode(Model model, Split split, Batches batches, int steps) {
        NDManager m = model.params().head().getManager();
        try (NDManager scope = m.newSubManager()) {
            NDList out = new NDList();
            for (String name : model.names()) {
                out.add(named(scope, model.param(name).get(0), name));
            }
            out.add(named(scope, scope.create(Arrays.stream(split.train()).asLongStream().toArray()), "train_idx"));
            out.add(named(scope, scope.create(Arrays.stream(split.test()).asLongStream().toArray()), "test_idx"));
            if (split.corrupted() > 0) {
                out.add(named(scope, scope.create(split.trainLabels()), "train_labels"));
            }
            if (batches != null) {
                int epochs = batches.epoch(steps - 1) + 1;
                long[] order = IntStream.range(0, epochs).flatMap(e -> Arrays.stream(batches.order(e)))
                        .asLongStream().toArray();
                out.add(named(scope, scope.create(order, new Shape(epochs, batches.pairs())), "batch_order"));
            }
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

    /** A copy of {@code x} in {@code scope}, named for the file. */
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
            return Split.of(c, toInts(train), toInts(test));
        }
    }

    private static int[] toInts(NDArray x) {
        return Arrays.stream(x.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray())
                .mapToInt(Math::toIntExact).toArray();
    }
}
