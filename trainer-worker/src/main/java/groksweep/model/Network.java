package groksweep.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import groksweep.config.TrainConfig;

import java.util.List;

/** What every {@link Model} keeps: its options and its named, trainable parameters. */
abstract class Network implements Model {
    private final TrainConfig config;
    private final List<String> names;
    private final NDList params; // in names order
    public final int p;
    public final DataType dtype;
    public final String activation;

    Network(TrainConfig c, List<String> names, NDList params) {
        this.config = c;
        this.names = names;
        this.params = params;
        this.p = c.modulus();
        this.dtype = Model.dataType(c);
        this.activation = c.activation();
        for (int i = 0; i < names.size(); i++) {
            params.get(i).setName(names.get(i));
            params.get(i).setRequiresGradient(true);
        }
    }

    @Override
    public NDList params() {
        return params;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public TrainConfig config() {
        return config;
    }

    @Override
    public int modulus() {
        return p;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }
}
