// Where the RocketMQ zip, the JDK and the dashboard jar come from, and the dashboard's settings.
// URLs and file names end up in host scripts (curl/wget/cp), so they are held to strict patterns.
import { DashboardSettings, DistributionSettings } from "../schema";
import { SHA512, VERSION, validLocalFile, validUrl } from "./patterns";
import { Reader } from "./reader";

export function defaultDownloadUrl(version: string): string {
    return `https://archive.apache.org/dist/rocketmq/${version}/rocketmq-all-${version}-bin-release.zip`;
}

const URL_ALLOWED = "an http(s) URL: host, optional port, then letters, digits and . _ ~ % + = & ? : @ , / - (no ..)";
const LOCAL_ALLOWED = "a path on the deploying machine whose file name is letters, digits and . _ + - only";

export function distribution(r: Reader, version: string): DistributionSettings {
    const { c } = r;
    const localArchive = r.optStr("localArchive");
    const sha512 = r.optStr("sha512");
    if (sha512 !== undefined && !SHA512.test(sha512)) c.add("sha512", sha512, "128 hex digits (the content of the .sha512 file)");
    const url = r.str("downloadUrl", defaultDownloadUrl(version));
    if (!validUrl(url)) c.add("downloadUrl", url, `${URL_ALLOWED}, of rocketmq-all-VERSION-bin-release.zip`);
    if (!sha512)
        c.add(
            "sha512",
            undefined,
            localArchive
                ? `required with localArchive (${localArchive}): the sha512 of the zip, so every host verifies what root unpacks`
                : `required with a download (${url}): the sha512 of the zip, so every host verifies what it unpacks`,
        );
    if (localArchive && !validLocalFile(localArchive, /\.zip$/))
        c.add("localArchive", localArchive, `${LOCAL_ALLOWED}: rocketmq-all-VERSION-bin-release.zip`);
    return { source: localArchive ? "upload" : "download", url, sha512, localArchive };
}

/** rocketmq:javaArchive and its javaSha512: root unpacks the JDK only once its sha512 matched. */
export function javaArtifact(r: Reader): { javaArchive?: string; javaSha512?: string } {
    const file = r.optStr("javaArchive");
    const sha512 = r.optStr("javaSha512");
    if (file !== undefined && !validLocalFile(file, /\.(tar\.gz|tgz)$/)) r.c.add("javaArchive", file, `${LOCAL_ALLOWED}: a JDK .tar.gz`);
    if (sha512 !== undefined && !SHA512.test(sha512)) r.c.add("javaSha512", sha512, "128 hex digits (sha512sum of javaArchive)");
    if (file !== undefined && sha512 === undefined)
        r.c.add("javaSha512", undefined, `required with javaArchive (${file}): its sha512, checked on each host before root unpacks it`);
    if (file === undefined && sha512 !== undefined) r.c.add("javaSha512", sha512, "only with javaArchive (the JDK it checks)");
    return { javaArchive: file, javaSha512: sha512 };
}

export function dashboard(r: Reader): Omit<DashboardSettings, "listen"> {
    const { c } = r;
    const enabled = r.bool("dashboardEnabled", true);
    const version = r.str("dashboardVersion", "2.0.0");
    if (!VERSION.test(version)) c.add("dashboardVersion", version, "a version such as 2.0.0 (digits and dots, optionally -QUALIFIER)");
    const localJar = r.optStr("dashboardLocalJar");
    if (localJar !== undefined && !validLocalFile(localJar, /\.jar$/)) c.add("dashboardLocalJar", localJar, `${LOCAL_ALLOWED}: a .jar`);
    const url = r.str("dashboardUrl", "");
    const sha512 = r.optStr("dashboardSha512");
    if (sha512 !== undefined && !SHA512.test(sha512)) c.add("dashboardSha512", sha512, "128 hex digits");
    if (enabled && !localJar) {
        if (!validUrl(url) || !/\.jar$/.test(url))
            c.add(
                "dashboardUrl",
                url || undefined,
                `${URL_ALLOWED}, of rocketmq-dashboard-VERSION.jar (or set dashboardLocalJar, or dashboardEnabled=false)`,
            );
        if (!sha512) c.add("dashboardSha512", undefined, "required with dashboardUrl: the sha512 of the jar");
    } else if (url !== "" && !validUrl(url)) {
        c.add("dashboardUrl", url, URL_ALLOWED);
    }
    return {
        enabled,
        version,
        port: r.int("dashboardPort", 8080, 1024, 65535),
        url,
        sha512,
        localJar,
        heap: r.heap("dashboardHeap", r.str("dashboardHeap", "256m")),
    };
}
