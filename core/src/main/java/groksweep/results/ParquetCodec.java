package groksweep.results;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.conf.HadoopParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of a {@link Table} to and from Parquet files: one definition of how each column type is
 * written and read, the file's settings (Snappy, 16 MB row groups), and a cheap check of a file's
 * frame. Files written by earlier versions read too: a column they lack is null, a column the
 * table no longer has is ignored.
 */
final class ParquetCodec {
    private ParquetCodec() {}

    /**
     * Row groups of 16 MB: a compacted part sorted by run then holds many, each with its run_id
     * range in the footer, so a query for one run reads only the groups that can hold it.
     */
    static final long ROW_GROUP_BYTES = 16L << 20;

    /** Feeds encoded rows to a file being written. */
    interface GroupSource {
        void feed(ParquetWriter<Group> writer) throws IOException;
    }

    /** Every row encoded, each checked against the schema before a byte is written. */
    static List<Group> encode(Table table, List<Row> rows) {
        SimpleGroupFactory factory = new SimpleGroupFactory(table.schema());
        List<Group> groups = new ArrayList<>(rows.size());
        for (Row row : rows) {
            groups.add(toGroup(factory.newGroup(), table, row));
        }
        return groups;
    }

    /** A sink that encodes each row as it comes and writes it. */
    static ResultsStore.RowSink encoder(Table table, ParquetWriter<Group> writer) {
        SimpleGroupFactory factory = new SimpleGroupFactory(table.schema());
        return row -> writer.write(toGroup(factory.newGroup(), table, row));
    }

    /** Writes {@code out} (replacing it) with the groups {@code source} feeds. */
    static void write(Configuration conf, Path out, Table table, GroupSource source) throws IOException {
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(out, conf))
                .withConf(conf) // without it each writer loads Hadoop's default configuration from its XML again
                .withType(table.schema())
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withRowGroupSize(ROW_GROUP_BYTES)
                .build()) {
            source.feed(writer);
        }
    }

    /** Streams the rows of one file of {@code table}, in file order. */
    static void read(Configuration conf, Path file, Table table, ResultsStore.RowSink sink) throws IOException {
        try (ParquetReader<Group> reader = new GroupReader(file, conf).build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                sink.write(fromGroup(g, table));
            }
        }
    }

    /**
     * A reader of {@link Group}s on the store's configuration: {@code ParquetReader.builder(support, path)}
     * would first make and parse a default Hadoop configuration of its own, for every file.
     */
    private static final class GroupReader extends ParquetReader.Builder<Group> {
        GroupReader(Path file, Configuration conf) throws IOException {
            super(HadoopInputFile.fromPath(file, conf), new HadoopParquetConfiguration(conf));
        }

        @Override
        protected org.apache.parquet.hadoop.api.ReadSupport<Group> getReadSupport() {
            return new GroupReadSupport();
        }
    }

    /**
     * Checks a Parquet file's frame, cheaply enough for thousands of files: the magic "PAR1" at
     * both ends and a footer length that fits. Throws if the file is truncated or not Parquet.
     */
    static void checkFrame(FileSystem fs, Path file) throws IOException {
        long length = fs.getFileStatus(file).getLen();
        byte[] head = new byte[4];
        byte[] tail = new byte[8];
        try (var in = fs.open(file)) {
            if (length < 12) {
                throw new IOException(file + " is not a Parquet file: " + length + " bytes");
            }
            in.readFully(0, head);
            in.readFully(length - 8, tail);
        }
        long footer = (tail[0] & 0xffL) | (tail[1] & 0xffL) << 8 | (tail[2] & 0xffL) << 16 | (tail[3] & 0xffL) << 24;
        if (!Arrays.equals(head, MAGIC) || !Arrays.equals(Arrays.copyOfRange(tail, 4, 8), MAGIC)
                || footer <= 0 || footer > length - 12) {
            throw new IOException(file + " is not a Parquet file. Expected magic number at head and tail");
        }
    }

    private static final byte[] MAGIC = "PAR1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static Group toGroup(Group g, Table table, Row row) {
        if (row.table() != table) {
            throw new IllegalArgumentException("a row of " + row.table().name() + " written to " + table.name());
        }
        List<Column> cols = table.columns();
        for (int i = 0; i < cols.size(); i++) {
            Column c = cols.get(i);
            Object v = row.at(i);
            if (v == null) {
                if (!c.nullable()) {
                    throw new IllegalArgumentException(table.name() + "." + c.name() + " may not be null");
                }
                continue;
            }
            switch (c.type()) {
                case INT32 -> g.append(c.name(), (Integer) v);
                case INT64 -> g.append(c.name(), (Long) v);
                case DOUBLE -> g.append(c.name(), (Double) v);
                case BOOLEAN -> g.append(c.name(), (Boolean) v);
                case STRING -> g.append(c.name(), (String) v);
                case INT32_LIST -> {
                    Group list = g.addGroup(c.name());
                    for (int x : (int[]) v) {
                        list.addGroup("list").append("element", x);
                    }
                }
            }
        }
        return g;
    }

    private static Row fromGroup(Group g, Table table) {
        Row row = table.row();
        for (Column c : table.columns()) {
            if (!g.getType().containsField(c.name()) || g.getFieldRepetitionCount(c.name()) == 0) {
                continue;
            }
            row.set(c.name(), switch (c.type()) {
                case INT32 -> g.getInteger(c.name(), 0);
                case INT64 -> g.getLong(c.name(), 0);
                case DOUBLE -> g.getDouble(c.name(), 0);
                case BOOLEAN -> g.getBoolean(c.name(), 0);
                case STRING -> g.getString(c.name(), 0);
                case INT32_LIST -> {
                    Group list = g.getGroup(c.name(), 0);
                    int n = list.getFieldRepetitionCount("list");
                    int[] xs = new int[n];
                    for (int j = 0; j < n; j++) {
                        xs[j] = list.getGroup("list", j).getInteger("element", 0);
                    }
                    yield xs;
                }
            });
        }
        return row;
    }
}
