// The properties of an exported interface, read from its source: what the API docs and the
// argument walk cover.
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

/** Each property of an interface with its JSDoc text. */
export function properties(file: string, name: string): { name: string; doc: string }[] {
    const text = read(file);
    const m = new RegExp(`export interface ${name}(?: extends [\\w, ]+)? \\{\\n([\\s\\S]*?)\\n\\}`).exec(text);
    if (!m) throw new Error(`no interface ${name} in ${file}`);
    const out: { name: string; doc: string }[] = [];
    let doc = "";
    for (const line of m[1].split("\n")) {
        const prop = /^ {4}(\w+)\??:/.exec(line);
        if (prop) {
            out.push({ name: prop[1], doc });
            doc = "";
        } else doc += " " + line.replace(/^\s*(\/\*\*|\*\/|\*)?/, "").replace(/\*\/\s*$/, "");
    }
    return out;
}
