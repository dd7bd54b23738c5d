package groksweep.results;

import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

import java.util.List;

/** A results table: a directory of one Parquet file per run, {@code <root>/<name>/<run_id>.parquet}. */
public record Table(String name, String doc, List<Column> columns) {

    /** A new, empty row of this table, to set by column name. */
    public Row row() {
        return new Row(this);
    }

    public int indexOf(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + name + " has no column " + column);
    }

    /** The Parquet schema; lists use the three-level layout Spark and Hive expect. */
    public MessageType schema() {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (Column c : columns) {
            Repetition rep = c.nullable() ? Repetition.OPTIONAL : Repetition.REQUIRED;
            switch (c.type()) {
                case INT32 -> message.primitive(PrimitiveTypeName.INT32, rep).named(c.name());
                case INT64 -> message.primitive(PrimitiveTypeName.INT64, rep).named(c.name());
                case DOUBLE -> message.primitive(PrimitiveTypeName.DOUBLE, rep).named(c.name());
                case BOOLEAN -> message.primitive(PrimitiveTypeName.BOOLEAN, rep).named(c.name());
                case STRING -> message.primitive(PrimitiveTypeName.BINARY, rep)
                        .as(LogicalTypeAnnotation.stringType()).named(c.name());
                case INT32_LIST -> message.group(rep).as(LogicalTypeAnnotation.listType())
                        .repeatedGroup().required(PrimitiveTypeName.INT32).named("element").named("list")
                        .named(c.name());
            }
        }
        return message.named(name);
    }
}
