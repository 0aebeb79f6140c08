// Users and their permissions on every broker of a RocketMQ 5.3.3+ cluster (ACL 2.0), run from
// source with the JDK (11+) single-file launcher against the distribution's lib/ directory:
//
//   java -cp "$ROCKETMQ_HOME/lib/*" RmqAuth.java MODE --namesrv ADDR --cluster NAME --credentials FILE --user NAME
//
//   apply    Makes the user exist with the password and exactly the permissions read from stdin,
//            on every broker the name servers list for the cluster (masters, slaves, DLedger
//            members: each broker keeps its own users and ACLs, nothing replicates them).
//            stdin lines:  password PASSWORD
//                          allow RESOURCE ACTIONS      e.g. "allow Topic:orders Pub,Sub", "allow Group:billing Sub"
//            Idempotent: an existing user gets the password again, permissions for resources no
//            longer listed are removed, the listed ones are (re)written.
//   delete   Removes the user and its permissions from every broker.
//
// --credentials FILE holds the administrator's "accessKey: NAME" / "secretKey: PASSWORD" (mqadmin's
// conf/tools.yml format). Passwords come only from files and stdin, never from the command line,
// which every user of the host can read. Nothing secret is printed.
//
// Written for rocketmq-pulumi against the 5.3.3 admin API (DefaultMQAdminExt user/ACL methods).

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

public class RmqAuth {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage("no mode given");
        }
        System.setProperty("rocketmq.client.logUseSlf4j", "true");
        Map<String, String> opts = parse(args);
        String namesrv = required(opts, "namesrv");
        String cluster = required(opts, "cluster");
        String user = required(opts, "user");
        String[] admin = credentials(required(opts, "credentials"));
        DefaultMQAdminExt ext = new DefaultMQAdminExt(new AclClientRPCHook(new SessionCredentials(admin[0], admin[1])), 10000L);
        ext.setNamesrvAddr(namesrv);
        ext.setInstanceName("rmqauth-" + System.currentTimeMillis());
        int code;
        try {
            ext.start();
            List<String> brokers = brokers(ext, cluster);
            switch (args[0]) {
                case "apply":
                    code = apply(ext, brokers, user, readSpec());
                    break;
                case "delete":
                    code = delete(ext, brokers, user);
                    break;
                default:
                    usage("unknown mode " + args[0]);
                    return;
            }
        } catch (Exception e) {
            System.err.println("RmqAuth " + args[0] + " " + user + " failed: " + e);
            code = 1;
        } finally {
            ext.shutdown();
        }
        System.out.flush();
        System.exit(code);
    }

    /** Every broker address of the cluster: masters, slaves and DLedger members alike. */
    private static List<String> brokers(DefaultMQAdminExt ext, String cluster) throws Exception {
        var info = ext.examineBrokerClusterInfo();
        var names = info.getClusterAddrTable().get(cluster);
        if (names == null || names.isEmpty()) {
            throw new IllegalStateException("cluster " + cluster + " has no broker registered");
        }
        List<String> out = new ArrayList<>();
        for (String name : new TreeSet<>(names)) {
            var data = info.getBrokerAddrTable().get(name);
            if (data != null) {
                out.addAll(new TreeSet<>(data.getBrokerAddrs().values()));
            }
        }
        return out;
    }

    private static final class Spec {
        String password;
        /** resource -> actions ("Pub,Sub"), in the order given. */
        final Map<String, String> allow = new LinkedHashMap<>();
    }

    private static Spec readSpec() throws Exception {
        Spec spec = new Spec();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 0 || f[0].isEmpty() || f[0].startsWith("#")) {
                continue;
            }
            if (f[0].equals("password") && f.length == 2) {
                spec.password = f[1];
            } else if (f[0].equals("allow") && f.length == 3) {
                spec.allow.put(f[1], f[2]);
            } else {
                // Do not echo the line: it may hold the password.
                usage("unreadable spec line starting with '" + f[0] + "'");
            }
        }
        if (spec.password == null || spec.password.isEmpty()) {
            usage("the spec on stdin has no password line");
        }
        return spec;
    }

    private static int apply(DefaultMQAdminExt ext, List<String> brokers, String user, Spec spec) throws Exception {
        String subject = "User:" + user;
        for (String addr : brokers) {
            boolean exists = userExists(ext, addr, user);
            if (exists) {
                ext.updateUser(addr, user, spec.password, "Normal", "enable");
            } else {
                ext.createUser(addr, user, spec.password, "Normal");
            }
            // Resources the user may no longer use.
            List<String> removed = new ArrayList<>();
            for (String resource : currentResources(ext, addr, subject)) {
                if (!spec.allow.containsKey(resource)) {
                    ext.deleteAcl(addr, subject, resource);
                    removed.add(resource);
                }
            }
            // createAcl replaces the entry of each resource it names: one call per set of actions.
            Map<String, List<String>> byActions = new LinkedHashMap<>();
            for (var e : spec.allow.entrySet()) {
                byActions.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
            }
            for (var e : byActions.entrySet()) {
                ext.createAcl(addr, subject, e.getValue(), List.of(e.getKey().split(",")), null, "Allow");
            }
            System.out.printf("%s: user %s %s; allowed %s%s%n", addr, user, exists ? "updated" : "created",
                spec.allow.isEmpty() ? "nothing" : spec.allow.toString(),
                removed.isEmpty() ? "" : "; removed " + removed);
        }
        System.out.printf("user %s in place on %d broker(s)%n", user, brokers.size());
        return 0;
    }

    private static int delete(DefaultMQAdminExt ext, List<String> brokers, String user) throws Exception {
        for (String addr : brokers) {
            if (userExists(ext, addr, user)) {
                // Deleting a user deletes its ACL with it (AuthenticationMetadataManagerImpl.deleteUser).
                ext.deleteUser(addr, user);
                System.out.printf("%s: user %s deleted%n", addr, user);
            } else {
                System.out.printf("%s: user %s not present%n", addr, user);
            }
        }
        return 0;
    }

    private static boolean userExists(DefaultMQAdminExt ext, String addr, String user) throws Exception {
        var info = ext.getUser(addr, user);
        return info != null && info.getUsername() != null;
    }

    private static List<String> currentResources(DefaultMQAdminExt ext, String addr, String subject) throws Exception {
        List<String> out = new ArrayList<>();
        var acl = ext.getAcl(addr, subject);
        if (acl == null || acl.getPolicies() == null) {
            return out;
        }
        for (var policy : acl.getPolicies()) {
            if (policy.getEntries() == null) {
                continue;
            }
            for (var entry : policy.getEntries()) {
                out.add(entry.getResource());
            }
        }
        return out;
    }

    /** accessKey and secretKey from a "key: value" file. */
    private static String[] credentials(String file) throws Exception {
        String ak = null;
        String sk = null;
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
        if (ak == null || ak.isEmpty() || sk == null || sk.isEmpty()) {
            usage("--credentials " + file + " needs accessKey: and secretKey: lines");
        }
        return new String[] {ak, sk};
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument " + a);
            }
            m.put(a.substring(2), args[++i]);
        }
        return m;
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isEmpty()) {
            usage("--" + key + " is required");
        }
        return v;
    }

    private static void usage(String problem) {
        System.err.println("RmqAuth: " + problem);
        System.err.println("usage: RmqAuth apply|delete --namesrv ADDR --cluster NAME --credentials FILE --user NAME  (apply: spec on stdin)");
        System.exit(2);
    }
}
