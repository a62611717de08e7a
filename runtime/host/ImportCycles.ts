/**
 * Fails on an import cycle among the TypeScript files of a folder, type-only imports included: a cycle that is
 * type-only today becomes a require-time failure in RuntimeLib the day one edge turns into a value import, and
 * nothing else would catch it at compile time. Run by `npm run lint` on src/.
 *
 *   tsx runtime/host/ImportCycles.ts <folder>
 */
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']/g;

function listFiles(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir)) {
		const path = join(dir, entry);
		if (statSync(path).isDirectory()) out.push(...listFiles(path));
		else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) out.push(path);
	}
	return out;
}

function resolveImport(from: string, spec: string): string | undefined {
	const base = resolve(dirname(from), spec);
	for (const candidate of [`${base}.ts`, join(base, "index.ts")]) if (existsSync(candidate)) return candidate;
	return undefined;
}

/** The import graph of a folder: file -> the files it imports (relative imports only). */
export function importGraph(dir: string): Map<string, string[]> {
	const graph = new Map<string, string[]>();
	for (const file of listFiles(resolve(dir))) {
		const source = readFileSync(file, "utf8");
		const targets: string[] = [];
		for (const match of source.matchAll(IMPORT)) {
			const target = resolveImport(file, match[1]);
			if (target !== undefined) targets.push(target);
		}
		graph.set(file, targets);
	}
	return graph;
}

/** Every import cycle, each as the list of files around it (first file repeated at the end). */
export function findCycles(graph: Map<string, string[]>): string[][] {
	const cycles: string[][] = [];
	const state = new Map<string, "open" | "done">();
	const stack: string[] = [];
	const visit = (file: string) => {
		state.set(file, "open");
		stack.push(file);
		for (const next of graph.get(file) ?? []) {
			if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
			else if (!state.has(next)) visit(next);
		}
		stack.pop();
		state.set(file, "done");
	};
	for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
	return cycles;
}

if (
	process.argv[1] !== undefined &&
	resolve(process.argv[1]) === resolve(import.meta.dirname ?? "", "ImportCycles.ts")
) {
	const dir = process.argv[2] ?? "src";
	const cycles = findCycles(importGraph(dir));
	for (const cycle of cycles) {
		process.stdout.write(`import cycle: ${cycle.map((file) => relative(process.cwd(), file)).join(" -> ")}\n`);
	}
	if (cycles.length > 0) process.exitCode = 1;
}
