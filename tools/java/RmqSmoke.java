// Smoke and failover client for RocketMQ 4.9.x and 5.x, run from source with the JDK (11+)
// single-file launcher against a RocketMQ lib/ directory, nothing else:
//
//   java -cp "$ROCKETMQ_HOME/lib/*" RmqSmoke.java MODE OPTIONS...
//
//   roundtrip --namesrv ADDR --topic T --group G --count N [--timeout-seconds S]
//       Sends N messages (sync; a failed send is retried up to 3 times), then reads the topic from
//       its first offset with consumer group G until every acknowledged message came back or S
//       seconds (default 60) passed. G should be new (a used group resumes from its offsets).
//       Prints: sent=N acked=N received=N missing=0 sendMs=.. consumeMs=..
//       Exit 0 only if every send was acknowledged and every acknowledged message was received.
//       With --delete-group, G and its retry topic are deleted from every master (and the name
//       servers) afterwards, whatever the outcome. A broker can create the group again right
//       after (a pull it still held wakes up, and autoCreateSubscriptionGroup makes the group), so
//       with --sweep-prefix P the groups of earlier runs, named P-EPOCHSECONDS-PID and older than
//       120 s, are deleted too (with their retry topics): leftovers never pile up.
//   produce --namesrv ADDR --topic T --duration-seconds D --rate R --out FILE
//       Sends R messages a second for D seconds; a failed send is retried once, then counted as
//       failed. FILE gets one line per message: "epochMillis id ok|fail" (the time the outcome
//       was known). Prints a summary with the first failure, the first success after it and the
//       gap between them (the recovery gap), and the longest gap between two successes.
//       Exit 0 if at least one send succeeded.
//   consume --namesrv ADDR --topic T --group G --expect FILE [--timeout-seconds S]
//       Reads the topic from its first offset with group G until every id marked ok in FILE (as
//       written by produce) was received, or S seconds (default 60) passed.
//       Prints: expected=.. received=.. missing=..   Exit 0 only if missing=0.
//   cluster --namesrv ADDR
//       The brokers the name server(s) ADDR list, one line each: "NAME BID ADDR". With a single
//       name server, that one alone is asked. Exit 0 when a name server answered (with no broker
//       too), 1 when none did.
//   broker --brokers ADDR[,ADDR...]
//       Each broker's status, one line each: "ADDR COMMITLOG_MAX_OFFSET BOOT_TIMESTAMP_MS", or
//       "ADDR - -" when it does not answer. Exit 0 only if every one answered.
//   watch [--clusters ADDR[|ADDR...]] [--brokers ADDR[,ADDR...]] [--interval-ms MS]
//       Both of the above again and again in one JVM, a snapshot every MS (default 500): for each
//       cluster query "cluster QUERY NAME BID ADDR" lines (or "cluster-down QUERY" when no name
//       server of QUERY answered), for each broker "broker ADDR COMMITLOG_MAX_OFFSET BOOT_MS" (or
//       "broker ADDR - -"), then "end". Runs until its reader goes away (standard output closed).
//   These are the host tools' health probes (rmq-probe): cluster and broker ask once and exit;
//   watch serves a gate that waits (a restarted broker's registration, a replica's catch-up), so
//   the wait costs one JVM start, not one per poll. mqadmin spends 3-5 s after printing in its
//   client's graceful shutdown, which the rolling restart's gates paid on every poll.
//
// Other options: --body-size BYTES (default 128), --send-timeout-ms MS (default 3000),
// --route-refresh-ms MS (how often the client re-reads routes from the name servers; the client
// default is 30000, lower it to see a failover sooner), --no-create (do not create a missing topic
// or the consumer group; by default they are created on every master, so the modes work with
// auto-creation off). ADDR may list several name servers: "h1:9876;h2:9876".
//
// Credentials (ACL, RocketMQ 5.3.3+ authentication): --credentials FILE reads "accessKey: NAME" and
// "secretKey: PASSWORD" lines (the format of mqadmin's conf/tools.yml), or the environment
// variables RMQ_ACCESS_KEY and RMQ_SECRET_KEY are used; never a command-line argument, which every
// user of the host could read. Without either the client is anonymous. Producer, consumer and
// the topic/group creation all sign their requests with them.
//
// Every message carries a run id in its key and body, so messages of other runs in the topic are
// ignored and duplicates (at-least-once delivery) are counted once. The client's own logging
// goes to stderr at ERROR level only, and nothing is written under ~/logs.
//
// Written for rocketmq-pulumi. Only APIs present in both 4.9.x and 5.x are named in the source;
// the few admin types whose package moved in 5.0 are reached through `var` or reflection.

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

public class RmqSmoke {
    private static final String USAGE = String.join("\n",
        "usage: RmqSmoke roundtrip --namesrv ADDR --topic T --group G --count N [--timeout-seconds S] [--delete-group [--sweep-prefix P]]",
        "       RmqSmoke produce --namesrv ADDR --topic T --duration-seconds D --rate R --out FILE",
        "       RmqSmoke consume --namesrv ADDR --topic T --group G --expect FILE [--timeout-seconds S]",
        "       RmqSmoke cluster --namesrv ADDR          RmqSmoke broker --brokers ADDR[,ADDR...]",
        "       RmqSmoke watch [--clusters ADDR[|ADDR...]] [--brokers ADDR[,ADDR...]] [--interval-ms MS]",
        "       options for all: --body-size B --send-timeout-ms MS --route-refresh-ms MS --no-create",
        "                        --credentials FILE (or RMQ_ACCESS_KEY/RMQ_SECRET_KEY in the environment)");

    private final Map<String, String> opts;
    private final String namesrv;
    private final String topic;
    private final String runId;
    private final String instance;
    /** Signs every request when credentials were given; null: anonymous. */
    private final RPCHook auth;
    private long lastFailureReport;

    private RmqSmoke(Map<String, String> opts) {
        this.opts = opts;
        this.namesrv = required("namesrv");
        this.topic = required("topic");
        this.runId = Long.toString(System.currentTimeMillis(), 36)
            + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        this.instance = "rmqsmoke-" + runId;
        this.auth = credentials(opts.get("credentials"));
    }

    /** From FILE ("accessKey: A" / "secretKey: S" lines), else RMQ_ACCESS_KEY/RMQ_SECRET_KEY, else none. */
    private static RPCHook credentials(String file) {
        String ak = null;
        String sk = null;
        if (file != null) {
            try {
                for (String line : Files.readAllLines(Paths.get(file), StandardCharsets.UTF_8)) {
                    int colon = line.indexOf(':');
                    if (colon < 0) {
                        continue;
                    }
                    String key = line.substring(0, colon).trim();
                    String value = line.substring(colon + 1).trim();
                    if (key.equals("accessKey")) {
                        ak = value;
                    } else if (key.equals("secretKey")) {
                        sk = value;
                    }
                }
            } catch (IOException e) {
                usage("cannot read --credentials " + file + ": " + e.getMessage());
            }
            if (ak == null || ak.isEmpty() || sk == null || sk.isEmpty()) {
                usage("--credentials " + file + " needs accessKey: and secretKey: lines");
            }
        } else {
            ak = System.getenv("RMQ_ACCESS_KEY");
            sk = System.getenv("RMQ_SECRET_KEY");
            if (ak == null || ak.isEmpty() || sk == null || sk.isEmpty()) {
                return null;
            }
        }
        return new AclClientRPCHook(new SessionCredentials(ak, sk));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage("no mode given");
        }
        quietLogging();
        Map<String, String> opts = parse(args);
        if (args[0].equals("cluster") || args[0].equals("broker")) {
            System.exit(probe(args[0], opts));
        }
        if (args[0].equals("watch")) {
            System.exit(watch(opts));
        }
        RmqSmoke smoke = new RmqSmoke(opts);
        int code;
        try {
            switch (args[0]) {
                case "roundtrip":
                    code = smoke.roundtrip();
                    break;
                case "produce":
                    code = smoke.produce();
                    break;
                case "consume":
                    code = smoke.consume();
                    break;
                default:
                    usage("unknown mode " + args[0]);
                    return;
            }
        } catch (Exception e) {
            System.err.println("RmqSmoke " + args[0] + " failed: " + e);
            code = 1;
        }
        System.out.flush();
        // Client threads can outlive shutdown() for a while: do not wait for them.
        System.exit(code);
    }

    // ---- probes ----

    private static int probe(String mode, Map<String, String> opts) {
        DefaultMQAdminExt admin = new DefaultMQAdminExt(credentials(opts.get("credentials")), intOpt(opts, "timeout-ms", 3000));
        admin.setInstanceName("rmqprobe-" + System.nanoTime());
        String namesrv = opts.get("namesrv");
        if (namesrv != null) {
            admin.setNamesrvAddr(namesrv);
        }
        int code = 0;
        try {
            admin.start();
            if (mode.equals("cluster")) {
                if (namesrv == null || namesrv.isEmpty()) {
                    usage("cluster needs --namesrv");
                }
                var brokers = admin.examineBrokerClusterInfo().getBrokerAddrTable();
                StringBuilder out = new StringBuilder();
                for (var data : brokers.values()) {
                    for (var e : data.getBrokerAddrs().entrySet()) {
                        out.append(data.getBrokerName()).append(' ').append(e.getKey()).append(' ').append(e.getValue()).append('\n');
                    }
                }
                System.out.print(out);
            } else {
                String list = opts.get("brokers");
                if (list == null || list.isEmpty()) {
                    usage("broker needs --brokers ADDR[,ADDR...]");
                }
                for (String addr : list.split(",")) {
                    String line;
                    try {
                        var table = admin.fetchBrokerRuntimeStats(addr).getTable();
                        line = addr + " " + table.getOrDefault("commitLogMaxOffset", "-") + " " + table.getOrDefault("bootTimestamp", "-");
                    } catch (Exception e) {
                        line = addr + " - -";
                        code = 1;
                    }
                    System.out.println(line);
                }
            }
        } catch (Exception e) {
            System.err.println("RmqSmoke " + mode + ": " + firstLine(e.getMessage()));
            code = 1;
        }
        System.out.flush();
        return code;
    }

    private static DefaultMQAdminExt startedAdmin(RPCHook auth, int timeoutMs, String namesrv) throws Exception {
        DefaultMQAdminExt admin = new DefaultMQAdminExt(auth, timeoutMs);
        admin.setInstanceName("rmqprobe-" + System.nanoTime());
        if (namesrv != null) {
            admin.setNamesrvAddr(namesrv);
        }
        admin.start();
        return admin;
    }

    private static List<String> split(String value, String separator) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String v : value.split(separator)) {
                if (!v.isEmpty()) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    /** The watch mode: snapshots until standard output is closed. */
    private static int watch(Map<String, String> opts) {
        RPCHook auth = credentials(opts.get("credentials"));
        int timeoutMs = intOpt(opts, "timeout-ms", 3000);
        int intervalMs = intOpt(opts, "interval-ms", 500);
        List<String> clusters = split(opts.get("clusters"), "\\|");
        List<String> brokers = split(opts.get("brokers"), ",");
        if (clusters.isEmpty() && brokers.isEmpty()) {
            usage("watch needs --clusters or --brokers");
        }
        try {
            // One client per cluster query: a query of one name server asks that one alone.
            List<DefaultMQAdminExt> admins = new ArrayList<>();
            for (String q : clusters) {
                admins.add(startedAdmin(auth, timeoutMs, q));
            }
            DefaultMQAdminExt direct = admins.isEmpty() ? startedAdmin(auth, timeoutMs, opts.get("namesrv")) : admins.get(0);
            while (true) {
                long started = System.currentTimeMillis();
                StringBuilder out = new StringBuilder();
                for (int i = 0; i < clusters.size(); i++) {
                    String q = clusters.get(i);
                    try {
                        for (var data : admins.get(i).examineBrokerClusterInfo().getBrokerAddrTable().values()) {
                            for (var e : data.getBrokerAddrs().entrySet()) {
                                out.append("cluster ").append(q).append(' ').append(data.getBrokerName()).append(' ')
                                    .append(e.getKey()).append(' ').append(e.getValue()).append('\n');
                            }
                        }
                    } catch (Exception e) {
                        out.append("cluster-down ").append(q).append('\n');
                    }
                }
                for (String addr : brokers) {
                    try {
                        var table = direct.fetchBrokerRuntimeStats(addr).getTable();
                        out.append("broker ").append(addr).append(' ').append(table.getOrDefault("commitLogMaxOffset", "-")).append(' ')
                            .append(table.getOrDefault("bootTimestamp", "-")).append('\n');
                    } catch (Exception e) {
                        out.append("broker ").append(addr).append(" - -\n");
                    }
                }
                out.append("end\n");
                System.out.print(out);
                System.out.flush();
                if (System.out.checkError()) {
                    return 0;
                }
                long left = intervalMs - (System.currentTimeMillis() - started);
                if (left > 0) {
                    Thread.sleep(left);
                }
            }
        } catch (Exception e) {
            System.err.println("RmqSmoke watch: " + firstLine(e.getMessage()));
            return 1;
        }
    }

    // ---- modes ----

    private int roundtrip() throws Exception {
        int count = intOpt("count", -1);
        String group = required("group");
        long timeoutMs = intOpt("timeout-seconds", 60) * 1000L;
        if (count <= 0) {
            usage("--count must be > 0");
        }
        prepare(group);

        DefaultMQProducer producer = producer();
        Set<String> acked = new LinkedHashSet<>();
        long t0 = System.currentTimeMillis();
        try {
            for (int i = 0; i < count; i++) {
                String id = runId + "-" + i;
                if (send(producer, id, 3)) {
                    acked.add(id);
                }
            }
        } finally {
            producer.shutdown();
        }
        long sendMs = System.currentTimeMillis() - t0;

        long t1 = System.currentTimeMillis();
        Set<String> received;
        try {
            received = consumeUntil(group, acked, t1 + timeoutMs);
        } finally {
            if (opts.containsKey("delete-group")) {
                deleteGroup(group);
            }
        }
        long consumeMs = System.currentTimeMillis() - t1;
        int missing = acked.size() - received.size();
        System.out.printf("sent=%d acked=%d received=%d missing=%d sendMs=%d consumeMs=%d%n",
            count, acked.size(), received.size(), missing, sendMs, consumeMs);
        reportMissing(acked, received);
        return acked.size() == count && missing == 0 ? 0 : 1;
    }

    private int produce() throws Exception {
        int seconds = intOpt("duration-seconds", -1);
        int rate = intOpt("rate", -1);
        Path out = Paths.get(required("out"));
        if (seconds <= 0 || rate <= 0) {
            usage("--duration-seconds and --rate must be > 0");
        }
        prepare(null);

        DefaultMQProducer producer = producer();
        long total = (long) seconds * rate;
        long start = System.currentTimeMillis();
        long ok = 0;
        long fail = 0;
        long firstFail = -1;
        long firstOkAfterFail = -1;
        long lastOk = -1;
        long maxOkGap = 0;
        long maxOkGapEnd = -1;
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (long i = 0; i < total; i++) {
                long due = start + i * 1000L / rate;
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                String id = runId + "-" + i;
                boolean sent = send(producer, id, 1);
                long now = System.currentTimeMillis();
                w.write(now + " " + id + (sent ? " ok" : " fail"));
                w.newLine();
                if (sent) {
                    ok++;
                    if (firstFail >= 0 && firstOkAfterFail < 0) {
                        firstOkAfterFail = now;
                    }
                    if (lastOk >= 0 && now - lastOk > maxOkGap) {
                        maxOkGap = now - lastOk;
                        maxOkGapEnd = now;
                    }
                    lastOk = now;
                } else {
                    fail++;
                    if (firstFail < 0) {
                        firstFail = now;
                    }
                    w.flush();
                }
                if (i % rate == rate - 1) {
                    w.flush();
                }
            }
        } finally {
            producer.shutdown();
        }
        long elapsed = System.currentTimeMillis() - start;
        System.out.printf("sent=%d ok=%d fail=%d durationMs=%d firstFailAt=%s firstOkAfterFailAt=%s recoveryGapMs=%s"
                + " maxOkGapMs=%d maxOkGapEndAt=%s out=%s%n",
            total, ok, fail, elapsed, stamp(firstFail), stamp(firstOkAfterFail),
            firstFail >= 0 && firstOkAfterFail >= 0 ? Long.toString(firstOkAfterFail - firstFail) : "-",
            maxOkGap, stamp(maxOkGapEnd), out);
        return ok > 0 ? 0 : 1;
    }

    private int consume() throws Exception {
        String group = required("group");
        Path expect = Paths.get(required("expect"));
        long timeoutMs = intOpt("timeout-seconds", 60) * 1000L;
        Set<String> expected = new LinkedHashSet<>();
        for (String line : Files.readAllLines(expect, StandardCharsets.UTF_8)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[2].equals("ok")) {
                expected.add(f[1]);
            }
        }
        prepare(group);
        long t0 = System.currentTimeMillis();
        Set<String> received = consumeUntil(group, expected, t0 + timeoutMs);
        long consumeMs = System.currentTimeMillis() - t0;
        int missing = expected.size() - received.size();
        System.out.printf("expected=%d received=%d missing=%d consumeMs=%d%n",
            expected.size(), received.size(), missing, consumeMs);
        reportMissing(expected, received);
        return missing == 0 ? 0 : 1;
    }

    // ---- producing and consuming ----

    private DefaultMQProducer producer() throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("rmqsmoke_producer", auth);
        p.setNamesrvAddr(namesrv);
        p.setInstanceName(instance);
        p.setSendMsgTimeout(intOpt("send-timeout-ms", 3000));
        p.setPollNameServerInterval(intOpt("route-refresh-ms", 30000));
        p.start();
        return p;
    }

    /** Sends one message; on an exception or a non-OK status retries up to `retries` times. */
    private boolean send(DefaultMQProducer producer, String id, int retries) {
        byte[] body = body(id);
        String lastError = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            try {
                SendResult r = producer.send(new Message(topic, "smoke", id, body));
                if (r != null && r.getSendStatus() == SendStatus.SEND_OK) {
                    return true;
                }
                // FLUSH_*_TIMEOUT / SLAVE_NOT_AVAILABLE: stored on the master, but not as asked.
                lastError = r == null ? "no result" : r.getSendStatus().toString();
            } catch (Exception e) {
                lastError = e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
                // The broker's reason (e.g. an ACL refusal) is in the innermost cause.
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                if (root != e) {
                    lastError += " (cause: " + firstLine(root.getMessage()) + ")";
                }
            }
        }
        // During an outage every send fails: report at most one failure a second.
        long now = System.currentTimeMillis();
        if (now - lastFailureReport >= 1000) {
            lastFailureReport = now;
            System.err.println(now + " send " + id + " failed: " + lastError);
        }
        return false;
    }

    private byte[] body(String id) {
        int size = intOpt("body-size", 128);
        StringBuilder sb = new StringBuilder(id).append('|');
        while (sb.length() < size) {
            sb.append('x');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the topic from the first offset until every id in `wanted` was seen or the deadline. */
    private Set<String> consumeUntil(String group, Set<String> wanted, long deadline) throws Exception {
        Set<String> seen = new HashSet<>();
        if (wanted.isEmpty()) {
            return seen;
        }
        DefaultLitePullConsumer c = new DefaultLitePullConsumer(group, auth);
        c.setNamesrvAddr(namesrv);
        c.setInstanceName(instance);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPollNameServerInterval(intOpt("route-refresh-ms", 30000));
        c.setPullBatchSize(64);
        c.subscribe(topic, "*");
        c.start();
        try {
            while (seen.size() < wanted.size() && System.currentTimeMillis() < deadline) {
                List<MessageExt> batch = c.poll(Math.max(1, Math.min(1000, deadline - System.currentTimeMillis())));
                for (MessageExt m : batch) {
                    String id = idOf(m);
                    if (id != null && wanted.contains(id)) {
                        seen.add(id);
                    }
                }
            }
        } finally {
            // Pulls still waiting on the brokers fail when the client closes: not worth an ERROR.
            silenceLogging();
            c.shutdown();
        }
        return seen;
    }

    private static String idOf(MessageExt m) {
        String keys = m.getKeys();
        if (keys != null && !keys.isEmpty()) {
            return keys.trim().split(" ")[0];
        }
        String body = new String(m.getBody(), StandardCharsets.UTF_8);
        int bar = body.indexOf('|');
        return bar > 0 ? body.substring(0, bar) : null;
    }

    // ---- topic and group ----

    /**
     * Creates the topic if it has no route, and the consumer group, on every master. Retried for up
     * to 60 s: on a busy machine one request to a name server can time out, and a client that gives
     * up at the first timeout would read as messages lost (every step here is idempotent).
     */
    private void prepare(String group) throws Exception {
        if (opts.containsKey("no-create")) {
            return;
        }
        long until = System.currentTimeMillis() + 60000;
        while (true) {
            try {
                prepareOnce(group);
                return;
            } catch (Exception e) {
                if (System.currentTimeMillis() >= until) {
                    throw e;
                }
                System.err.println("preparing " + topic + " failed (" + firstLine(e.getMessage()) + "); again in 2 s");
                Thread.sleep(2000);
            }
        }
    }

    private void prepareOnce(String group) throws Exception {
        DefaultMQAdminExt admin = auth == null ? new DefaultMQAdminExt(5000L) : new DefaultMQAdminExt(auth, 5000L);
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName(instance + "-admin");
        admin.start();
        try {
            List<String> masters = new ArrayList<>();
            var cluster = admin.examineBrokerClusterInfo();
            for (var brokerData : cluster.getBrokerAddrTable().values()) {
                String addr = brokerData.getBrokerAddrs().get(0L);
                if (addr != null) {
                    masters.add(addr);
                }
            }
            if (masters.isEmpty()) {
                throw new IllegalStateException("no master broker is registered at " + namesrv);
            }
            if (!hasRoute(admin)) {
                for (String addr : masters) {
                    // 4 read and 4 write queues, readable and writable (PermName 4|2).
                    admin.createAndUpdateTopicConfig(addr, new TopicConfig(topic, 4, 4, 6));
                }
                long until = System.currentTimeMillis() + 15000;
                while (!hasRoute(admin) && System.currentTimeMillis() < until) {
                    Thread.sleep(200);
                }
                System.err.println("created topic " + topic + " on " + masters);
            }
            if (group != null) {
                createGroup(admin, group, masters);
            }
        } finally {
            admin.shutdown();
        }
    }

    /**
     * Deletes the consumer group and its %RETRY% topic from every master and the name servers. A
     * failure is reported, not fatal: the round trip's verdict is about messages.
     */
    private void deleteGroup(String group) {
        DefaultMQAdminExt admin = auth == null ? new DefaultMQAdminExt(5000L) : new DefaultMQAdminExt(auth, 5000L);
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName(instance + "-cleanup");
        try {
            admin.start();
            Set<String> masters = new HashSet<>();
            var cluster = admin.examineBrokerClusterInfo();
            for (var brokerData : cluster.getBrokerAddrTable().values()) {
                String addr = brokerData.getBrokerAddrs().get(0L);
                if (addr != null) {
                    masters.add(addr);
                }
            }
            Set<String> groups = new LinkedHashSet<>();
            groups.add(group);
            String prefix = opts.get("sweep-prefix");
            if (prefix != null && !prefix.isEmpty()) {
                Pattern earlier = Pattern.compile(Pattern.quote(prefix) + "-(\\d{1,12})-\\d+");
                long before = System.currentTimeMillis() / 1000 - 120;
                for (String addr : masters) {
                    for (String g : admin.getAllSubscriptionGroup(addr, 5000L).getSubscriptionGroupTable().keySet()) {
                        Matcher m = earlier.matcher(g);
                        if (m.matches() && Long.parseLong(m.group(1)) < before) {
                            groups.add(g);
                        }
                    }
                }
                if (groups.size() > 1) {
                    System.err.println("RmqSmoke: deleting " + (groups.size() - 1) + " group(s) earlier runs left behind");
                }
            }
            Set<String> nameServers = new HashSet<>(admin.getNameServerAddressList());
            for (String g : groups) {
                for (String addr : masters) {
                    // true: its consumer offsets go too (consumerOffset.json would keep one entry per run).
                    admin.deleteSubscriptionGroup(addr, g, true);
                }
                String retry = "%RETRY%" + g;
                if (!masters.isEmpty()) {
                    admin.deleteTopicInBroker(masters, retry);
                }
                for (String clusterName : cluster.getClusterAddrTable().keySet()) {
                    admin.deleteTopicInNameServer(nameServers, clusterName, retry);
                }
            }
        } catch (Exception e) {
            System.err.println("RmqSmoke: could not delete consumer group " + group + ": " + firstLine(e.toString()));
        } finally {
            admin.shutdown();
        }
    }

    private boolean hasRoute(DefaultMQAdminExt admin) {
        try {
            var route = admin.examineTopicRouteInfo(topic);
            return route != null && !route.getQueueDatas().isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** SubscriptionGroupConfig moved package in 5.0, so it is built and passed by reflection. */
    private static void createGroup(DefaultMQAdminExt admin, String group, List<String> masters) throws Exception {
        Class<?> type = null;
        for (String name : new String[] {
            "org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig",
            "org.apache.rocketmq.common.subscription.SubscriptionGroupConfig"}) {
            try {
                type = Class.forName(name);
                break;
            } catch (ClassNotFoundException ignored) {
                // try the next package
            }
        }
        if (type == null) {
            throw new IllegalStateException("no SubscriptionGroupConfig class in this RocketMQ");
        }
        Object config = type.getConstructor().newInstance();
        type.getMethod("setGroupName", String.class).invoke(config, group);
        Method create = DefaultMQAdminExt.class.getMethod("createAndUpdateSubscriptionGroupConfig", String.class, type);
        for (String addr : masters) {
            create.invoke(admin, addr, config);
        }
    }

    // ---- plumbing ----

    /**
     * Sends the client's logging to stderr at ERROR. 5.x reads rmq.logback.configurationFile (its
     * shaded logback; without it, it picks a server config from the jars and logs to ~/logs);
     * 4.x logs through slf4j and plain logback when rocketmq.client.logUseSlf4j is true, and
     * otherwise to ~/logs/rocketmqlogs/rocketmq_client.log.
     */
    private static void quietLogging() throws IOException {
        Path config = Files.createTempFile("rmqsmoke-logback", ".xml");
        config.toFile().deleteOnExit();
        Files.write(config, String.join("\n",
            "<configuration>",
            "  <appender name=\"ERR\" class=\"ch.qos.logback.core.ConsoleAppender\">",
            "    <target>System.err</target>",
            "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n%ex{short}</pattern></encoder>",
            "  </appender>",
            "  <root level=\"ERROR\"><appender-ref ref=\"ERR\"/></root>",
            "</configuration>", "").getBytes(StandardCharsets.UTF_8));
        setDefault("rmq.logback.configurationFile", config.toString());
        setDefault("logback.configurationFile", config.toString());
        setDefault("rocketmq.client.logUseSlf4j", "true");
        setDefault("rocketmq.client.logLevel", "ERROR");
    }

    /**
     * Turns the client's logging off, through whichever slf4j/logback pair this RocketMQ has (5.x
     * shades both into org.apache.rocketmq.logging). Method handles rather than plain reflection:
     * 4.9.x ships logback 1.2 with an older slf4j-api, and Class.getMethods() on its Logger fails.
     */
    private static void silenceLogging() {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        for (String slf4j : new String[] {"org.apache.rocketmq.logging.org.slf4j.LoggerFactory", "org.slf4j.LoggerFactory"}) {
            try {
                Object context = Class.forName(slf4j).getMethod("getILoggerFactory").invoke(null);
                Class<?> loggerType = context.getClass().getMethod("getLogger", String.class).getReturnType();
                Object root = lookup.findVirtual(context.getClass(), "getLogger", MethodType.methodType(loggerType, String.class))
                    .invoke(context, "ROOT");
                Class<?> level = Class.forName(loggerType.getPackage().getName() + ".Level", true, loggerType.getClassLoader());
                lookup.findVirtual(root.getClass(), "setLevel", MethodType.methodType(void.class, level))
                    .invoke(root, level.getField("OFF").get(null));
                return;
            } catch (Throwable ignored) {
                // not this logging setup
            }
        }
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                usage("unexpected argument " + a);
            }
            String key = a.substring(2);
            if (key.equals("no-create") || key.equals("delete-group")) {
                m.put(key, "true");
            } else if (i + 1 < args.length) {
                m.put(key, args[++i]);
            } else {
                usage("missing value for " + a);
            }
        }
        return m;
    }

    private String required(String key) {
        String v = opts.get(key);
        if (v == null || v.isEmpty()) {
            usage("--" + key + " is required");
        }
        return v;
    }

    private int intOpt(String key, int dflt) {
        return intOpt(opts, key, dflt);
    }

    private static int intOpt(Map<String, String> opts, String key, int dflt) {
        String v = opts.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            usage("--" + key + " needs a whole number, not " + v);
            return dflt;
        }
    }

    private static void reportMissing(Set<String> wanted, Set<String> seen) {
        List<String> missing = new ArrayList<>();
        for (String id : wanted) {
            if (!seen.contains(id)) {
                missing.add(id);
                if (missing.size() == 10) {
                    break;
                }
            }
        }
        if (!missing.isEmpty()) {
            System.err.println("missing (first " + missing.size() + "): " + missing);
        }
    }

    private static String stamp(long epochMillis) {
        return epochMillis < 0 ? "-" : Long.toString(epochMillis);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void usage(String problem) {
        System.err.println("RmqSmoke: " + problem);
        System.err.println(USAGE);
        System.exit(2);
    }
}
