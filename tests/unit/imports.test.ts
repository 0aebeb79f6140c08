// No import cycle in config/, planning/, components/ and lib/: a cycle works only while no
// top-level statement uses what the other side exports, and breaks at the first that does. Type-only
// imports (`import type`, `export type`) are erased by the compiler and do not count.
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const DIRS = ["config", "planning", "components", "lib"];

function sources(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) walk(rel);
            else if (e.name.endsWith(".ts")) out.push(rel);
        }
    };
    DIRS.forEach(walk);
    return out.sort();
}

/** FILE's value imports and re-exports of other source files. */
export function valueImports(file: string, text: string, known: Set<string>): string[] {
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s+"(\.[^"]+)"/gms)) {
        if (m[1]) continue;
        const target = path.normalize(path.join(path.dirname(file), m[2]));
        for (const candidate of [`${target}.ts`, path.join(target, "index.ts")]) if (known.has(candidate)) deps.push(candidate);
    }
    return deps;
}

/** The strongly connected components with more than one file (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    let next = 0;
    const visit = (v: string) => {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1) found.push(component.sort());
        }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    return found;
}

describe("imports", () => {
    test("the cycle finder finds a cycle, and ignores type-only imports", () => {
        const known = new Set(["planning/a.ts", "planning/b.ts", "planning/c.ts"]);
        const g = new Map([
            ["planning/a.ts", valueImports("planning/a.ts", 'import { b } from "./b";\n', known)],
            ["planning/b.ts", valueImports("planning/b.ts", 'import {\n    a,\n} from "./a";\nimport type { C } from "./c";\n', known)],
            ["planning/c.ts", valueImports("planning/c.ts", 'import type { A } from "./a";\n', known)],
        ]);
        expect(cycles(g)).toEqual([["planning/a.ts", "planning/b.ts"]]);
    });

    test("no value import cycle in config/, planning/, components/, lib/", () => {
        const files = sources();
        const known = new Set(files);
        const graph = new Map(files.map((f) => [f, valueImports(f, fs.readFileSync(path.join(root, f), "utf8"), known)]));
        expect(files.length).toBeGreaterThan(50);
        expect(cycles(graph)).toEqual([]);
    });
});
