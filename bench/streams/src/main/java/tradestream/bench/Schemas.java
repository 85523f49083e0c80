package tradestream.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Tradestream's Avro schemas and the Confluent wire format (byte 0, a 4-byte schema id, the Avro
 * binary body), as the Go codecs read and write them. One instance per stream task thread.
 */
final class Schemas {
  final Schema input;
  final Schema state;
  final Schema command;
  final int commandId;
  private final Object[] commandDefaults;

  Schemas(Schema input, Schema state, Schema command, int commandId) {
    this.input = input;
    this.state = state;
    this.command = command;
    this.commandId = commandId;
    commandDefaults = new Object[command.getFields().size()];
    for (Schema.Field f : command.getFields()) {
      if (f.hasDefaultValue()) {
        commandDefaults[f.pos()] = GenericData.get().getDefaultValue(f);
      }
    }
  }

  /** Codec is the per-thread reader/writer state of one schema. */
  static final class Codec {
    private final Schema schema;
    private final int id;
    private final GenericDatumReader<GenericRecord> reader;
    private final GenericDatumWriter<GenericRecord> writer;
    private BinaryDecoder decoder;
    private BinaryEncoder encoder;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    Codec(Schema schema, int id) {
      this.schema = schema;
      this.id = id;
      reader = new GenericDatumReader<>(schema);
      writer = new GenericDatumWriter<>(schema);
    }

    GenericRecord decode(byte[] b) {
      if (b == null || b.length < 5 || b[0] != 0) {
        throw new IllegalArgumentException("not the Confluent wire format");
      }
      decoder = DecoderFactory.get().binaryDecoder(b, 5, b.length - 5, decoder);
      try {
        return reader.read(null, decoder);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    byte[] encode(GenericRecord r) {
      out.reset();
      out.write(0);
      out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
      encoder = EncoderFactory.get().binaryEncoder(out, encoder);
      try {
        writer.write(r, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }

    Schema schema() {
      return schema;
    }
  }

  /** A command record with every field at its default, as the Go codec encodes zero values. */
  GenericData.Record newCommand() {
    GenericData.Record r = new GenericData.Record(command);
    for (int i = 0; i < commandDefaults.length; i++) {
      r.put(i, commandDefaults[i]);
    }
    return r;
  }

  /** The record type of a field that is a record or a ["null", record] union. */
  static Schema recordOf(Schema s, String field) {
    Schema f = s.getField(field).schema();
    if (f.getType() == Schema.Type.UNION) {
      for (Schema t : f.getTypes()) {
        if (t.getType() != Schema.Type.NULL) {
          return t;
        }
      }
    }
    return f;
  }
}
