package tradestream.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * Workload (e) of {@code tradestream bench}: the GPS ping → ETA join of the tracking group written
 * with Kafka Streams. Pings and tracking commands (the active en-route job), both on the tracking
 * inputs topic (one TrackingInput envelope per record) keyed "tenant/tradesperson", go through one
 * processor with a persistent (RocksDB, changelogged)
 * store of the tracking state, as the goka group keeps its table; each ping that changes the ETA
 * emits an eta_update command keyed "tenant/job". Values are Avro in the Confluent wire format,
 * with Tradestream's schemas.
 *
 * <p>Arguments: bootstrap application-id tracking-inputs-topic output-topic state-dir schema-dir
 * command-schema-id threads
 */
public final class EtaApp {
  static final String STORE = "tracking";

  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println("usage: EtaApp bootstrap app-id tracking-inputs output state-dir"
          + " schema-dir command-schema-id threads");
      System.exit(2);
    }
    Path schemas = Path.of(args[5]);
    Schemas s = new Schemas(
        parse(schemas.resolve("tracking_input.avsc")),
        parse(schemas.resolve("tracking_state.avsc")),
        parse(schemas.resolve("command.avsc")),
        Integer.parseInt(args[6]));

    StreamsBuilder b = new StreamsBuilder();
    b.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()));
    b.stream(args[2], Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .process(() -> new Tracking(s), STORE)
        .to(args[3], Produced.with(Serdes.String(), Serdes.ByteArray()));

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[7]));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    // The goka instances' settings (topology.Config.Sarama): commit every
    // second, acks=all idempotent producer with one request in flight and a
    // 2 ms linger (topology.DefaultLinger), idle fetches held up to 500 ms
    // (topology.DefaultFetchWait, Kafka's default), new groups from the
    // oldest.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), 1);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 2);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 500);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    KafkaStreams streams = new KafkaStreams(b.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(e -> {
      e.printStackTrace();
      done.countDown();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(10));
      done.countDown();
    }));
    streams.start();
    done.await();
  }

  static Schema parse(Path p) throws Exception {
    return new Schema.Parser().parse(Files.readString(p));
  }
}
