package tradestream.bench;

import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The tracking group's logic (processors/tracking ApplyPing and ApplyCommand) on a Kafka Streams
 * store: the same rules, state record, outbox and output command as the goka group.
 */
final class Tracking implements Processor<String, byte[], String, byte[]> {
  static final int OUTBOX_KEEP = 8;
  static final int FINISHED_KEEP = 8;
  static final double ARRIVAL_KM = 0.15;
  static final long REFRESH_MS = 60_000;
  static final long MAX_FUTURE_MS = 5 * 60_000;

  private final Schemas s;
  private final Schemas.Codec inputs;
  private final Schemas.Codec states;
  private final Schemas.Codec outputs;
  private final Schema trackedJob;
  private final Schema fix;
  private final Schema eta;
  private final Schema geo;
  private final Schema effect;
  private final Schema outEta;
  private final Schema outGeo;
  private final Schema outStatus;
  private ProcessorContext<String, byte[]> ctx;
  private KeyValueStore<String, byte[]> store;

  Tracking(Schemas s) {
    this.s = s;
    inputs = new Schemas.Codec(s.input, 0);
    states = new Schemas.Codec(s.state, 0);
    outputs = new Schemas.Codec(s.command, s.commandId);
    trackedJob = Schemas.recordOf(s.state, "active");
    fix = Schemas.recordOf(s.state, "last");
    eta = Schemas.recordOf(trackedJob, "sent");
    geo = Schemas.recordOf(trackedJob, "location");
    effect = s.state.getField("outbox").schema().getElementType();
    outEta = Schemas.recordOf(s.command, "eta");
    outGeo = Schemas.recordOf(outEta, "position");
    outStatus = Schemas.recordOf(s.command, "set_job_status");
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    ctx = context;
    store = context.getStateStore(EtaApp.STORE);
  }

  @Override
  public void process(Record<String, byte[]> r) {
    GenericRecord in = inputs.decode(r.value());
    GenericRecord ping = (GenericRecord) in.get("ping");
    GenericRecord command = (GenericRecord) in.get("command");
    if ((ping == null) == (command == null)) {
      return; // the goka group dead-letters it; the bench sends none
    }
    byte[] old = store.get(r.key());
    GenericRecord st = old == null ? null : states.decode(old);
    if (ping != null) {
      ping(r, ping, st);
    } else {
      command(r, command, st);
    }
  }

  private void ping(Record<String, byte[]> r, GenericRecord p, GenericRecord st) {
    String tenant = p.get("tenant_id").toString();
    double lat = (Double) p.get("lat");
    double lon = (Double) p.get("lon");
    long at = (Long) p.get("at");
    Double speed = (Double) p.get("speed_kmh");
    if (!r.key().equals(tenant + "/" + p.get("tradesperson_id")) || Double.isNaN(lat) || lat < -90
        || lat > 90 || Double.isNaN(lon) || lon < -180 || lon > 180 || at <= 0
        || r.timestamp() <= 0 || at - r.timestamp() > MAX_FUTURE_MS || speed != null && !(speed >= 0)) {
      return; // the goka group writes a rejection here; the bench sends none
    }
    GenericRecord last = st == null ? null : (GenericRecord) st.get("last");
    if (last != null && at <= (Long) last.get("at")) {
      for (Object e : (List<?>) st.get("outbox")) {
        GenericRecord ef = (GenericRecord) e;
        if ((Long) ef.get("ping_at") == at) {
          forward(r, tenant, ef);
        }
      }
      return;
    }
    GenericRecord next = st == null ? newState() : st;
    double obs = -1;
    if (speed != null) {
      obs = speed <= 250 ? speed : -1;
    } else if (last != null && at - (Long) last.get("at") >= 2000) {
      double v = haversine((Double) last.get("lat"), (Double) last.get("lon"), lat, lon)
          / ((at - (Long) last.get("at")) / 3_600_000.0);
      obs = v <= 250 ? v : -1;
    }
    long samples = (Long) next.get("samples");
    double avg = (Double) next.get("speed_kmh");
    if (obs >= 0) {
      avg = samples <= 0 ? obs : avg + 0.3 * (obs - avg);
      samples = samples <= 0 ? 1 : samples + 1;
      next.put("speed_kmh", avg);
      next.put("samples", samples);
    }
    GenericRecord f = new GenericData.Record(fix);
    f.put("lat", lat);
    f.put("lon", lon);
    f.put("at", at);
    next.put("last", f);
    List<GenericRecord> effects = new ArrayList<>(1);
    GenericRecord a = (GenericRecord) next.get("active");
    if (a != null && !(Boolean) a.get("arrived")) {
      GenericRecord dest = (GenericRecord) a.get("location");
      double dlat = (Double) dest.get("lat");
      double dlon = (Double) dest.get("lon");
      if (haversine(lat, lon, dlat, dlon) <= ARRIVAL_KM) {
        a.put("arrived", true);
        effects.add(effect(at, "arrived", a.get("job_id").toString(), null));
      } else {
        double v = samples <= 0 ? 40 : Math.min(100, Math.max(5, avg));
        double d = haversine(lat, lon, dlat, dlon) * 1.3;
        int minutes = (int) Math.ceil(d / v * 60);
        double km = Math.round(d * 100) / 100.0;
        GenericRecord e = new GenericData.Record(eta);
        e.put("minutes", minutes);
        e.put("distance_km", km);
        e.put("updated_at", at);
        GenericRecord pos = new GenericData.Record(geo);
        pos.put("lat", lat);
        pos.put("lon", lon);
        e.put("position", pos);
        GenericRecord sent = (GenericRecord) a.get("sent");
        if (sent == null || (Integer) sent.get("minutes") != minutes
            || Math.round((Double) sent.get("distance_km") * 10) != Math.round(km * 10)
            || at - (Long) sent.get("updated_at") >= REFRESH_MS) {
          a.put("sent", e);
          effects.add(effect(at, "eta_update", a.get("job_id").toString(), e));
        }
      }
    }
    @SuppressWarnings("unchecked")
    List<Object> outbox = (List<Object>) next.get("outbox");
    outbox.addAll(effects);
    while (outbox.size() > OUTBOX_KEEP) {
      outbox.remove(0);
    }
    store.put(r.key(), states.encode(next));
    for (GenericRecord ef : effects) {
      forward(r, tenant, ef);
    }
  }

  private void command(Record<String, byte[]> r, GenericRecord c, GenericRecord st) {
    String kind = c.get("kind").toString();
    String job = c.get("job_id").toString();
    long at = (Long) c.get("at");
    @SuppressWarnings("unchecked")
    List<Object> finished = st == null ? List.of() : (List<Object>) st.get("finished");
    boolean done = finished.stream().anyMatch(x -> x.toString().equals(job));
    GenericRecord active = st == null ? null : (GenericRecord) st.get("active");
    GenericRecord next = st == null ? newState() : st;
    if (kind.equals("track_job")) {
      if (done || active != null && (active.get("job_id").toString().equals(job)
          || at < (Long) active.get("since"))) {
        return;
      }
      GenericRecord src = (GenericRecord) c.get("location");
      GenericRecord loc = new GenericData.Record(geo);
      loc.put("lat", src.get("lat"));
      loc.put("lon", src.get("lon"));
      GenericRecord a = new GenericData.Record(trackedJob);
      a.put("job_id", job);
      a.put("location", loc);
      a.put("since", at);
      a.put("arrived", false);
      a.put("sent", null);
      next.put("active", a);
    } else if (kind.equals("untrack_job")) {
      if (done) {
        return;
      }
      if (active != null && active.get("job_id").toString().equals(job)) {
        next.put("active", null);
      }
      @SuppressWarnings("unchecked")
      List<Object> fin = (List<Object>) next.get("finished");
      fin.add(job);
      while (fin.size() > FINISHED_KEEP) {
        fin.remove(0);
      }
    } else {
      return;
    }
    store.put(r.key(), states.encode(next));
  }

  private GenericRecord newState() {
    GenericRecord st = new GenericData.Record(s.state);
    st.put("active", null);
    st.put("last", null);
    st.put("speed_kmh", 0.0);
    st.put("samples", 0L);
    st.put("finished", new GenericData.Array<>(0, s.state.getField("finished").schema()));
    st.put("outbox", new GenericData.Array<>(0, s.state.getField("outbox").schema()));
    return st;
  }

  private GenericRecord effect(long at, String kind, String job, GenericRecord e) {
    GenericRecord ef = new GenericData.Record(effect);
    ef.put("ping_at", at);
    ef.put("kind", kind);
    ef.put("job_id", job);
    ef.put("eta", e);
    return ef;
  }

  /** Sends the job command of an effect (tracking.JobCommand), keyed "tenant/job". */
  private void forward(Record<String, byte[]> r, String tenant, GenericRecord ef) {
    String kind = ef.get("kind").toString();
    String job = ef.get("job_id").toString();
    long at = (Long) ef.get("ping_at");
    GenericData.Record cmd = s.newCommand();
    cmd.put("command_id", kind + "-" + job + "-" + at);
    cmd.put("tenant_id", tenant);
    cmd.put("kind", kind);
    cmd.put("job_id", job);
    cmd.put("accepted_at", at);
    cmd.put("source", "internal");
    GenericRecord e = (GenericRecord) ef.get("eta");
    if (e != null) {
      GenericRecord o = new GenericData.Record(outEta);
      o.put("minutes", e.get("minutes"));
      o.put("distance_km", e.get("distance_km"));
      o.put("updated_at", e.get("updated_at"));
      GenericRecord p = (GenericRecord) e.get("position");
      if (p != null) {
        GenericRecord q = new GenericData.Record(outGeo);
        q.put("lat", p.get("lat"));
        q.put("lon", p.get("lon"));
        o.put("position", q);
      }
      cmd.put("eta", o);
    } else {
      GenericRecord st = new GenericData.Record(outStatus);
      st.put("status", "on_site");
      st.put("at", at);
      cmd.put("set_job_status", st);
    }
    ctx.forward(r.withKey(tenant + "/" + job).withValue(outputs.encode(cmd)));
  }

  static double haversine(double lat1, double lon1, double lat2, double lon2) {
    double rad = Math.PI / 180;
    double dLat = (lat2 - lat1) * rad;
    double dLon = (lon2 - lon1) * rad;
    double h = Math.pow(Math.sin(dLat / 2), 2)
        + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
  }
}
