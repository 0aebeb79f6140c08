// Loads and renders the mustache templates under templates/. No HTML escaping: the output is
// shell and properties files, and every value in them was validated before it got here.
import * as fs from "fs";
import Mustache from "mustache";
import * as path from "path";

export const TEMPLATE_DIR = path.join(__dirname, "..", "templates");

const cache = new Map<string, string>();

/** A file under templates/ as it is (for files that are not mustache templates). */
export function readTemplate(name: string): string {
    let text = cache.get(name);
    if (text === undefined) {
        text = fs.readFileSync(path.join(TEMPLATE_DIR, name), "utf8");
        cache.set(name, text);
    }
    return text;
}

/** The Java tools (smoke/failover client, auth client): not templates, installed on the hosts as they are. */
export const JAVA_TOOLS_DIR = path.join(__dirname, "..", "tools", "java");

/** A file under tools/java/ as it is. */
export function readJavaTool(name: string): string {
    return fs.readFileSync(path.join(JAVA_TOOLS_DIR, name), "utf8");
}

export function render(name: string, view: object): string {
    return Mustache.render(readTemplate(name), view, {}, { escape: (s: string) => s });
}

/** One shell word whatever the text: single-quoted, with each ' written as '\''. */
export function shellQuote(s: string): string {
    return `'${s.replace(/'/g, "'\\''")}'`;
}

/** Strips the trailing newline so content fits a heredoc whose end marker is on its own line. */
export function chomp(s: string): string {
    return s.replace(/\n+$/, "");
}

/** A text a host script reads as the rest of one line. */
export function oneLine(text: string): string {
    if (text.includes("\n")) throw new Error(`a one-line host text holds a line break: ${text}`);
    return text;
}

/** TEXT, which a host script prints inside double quotes: nothing in it may expand. */
export function quotable(text: string): string {
    if (/["$`\\]/.test(text)) throw new Error(`text for a double-quoted host string holds " $ \` or \\: ${text}`);
    return text;
}
