/**
 * `rbxts-runtime test --watch`: runs the specs, then on every change under the game's sources or specs rebuilds
 * (roblox-ts's incremental build) and reruns the spec files the change affects: a changed spec alone, or the specs
 * whose relative imports reach a changed source file (all specs when none does, e.g. an import through baseUrl).
 */
import { watch, type FSWatcher } from "node:fs";
import { join, resolve } from "node:path";
import { importGraph } from "./ImportCycles.js";

export interface WatchOptions {
	/** Folders to watch (the game's rootDir and the specs folder). */
	watched: string[];
	specsDir: string;
	/** Rebuilds; false when the build failed. */
	rebuild: () => boolean;
	/** Runs the given spec module paths, or every spec when undefined. */
	run: (specPaths?: string[]) => Promise<unknown>;
	/** The spec module path ("ServerScriptService/__Specs/x.spec") of a spec file. */
	specPath: (file: string) => string;
	write?: (text: string) => void;
	/** Stops watching (for tests; the command runs until interrupted). */
	signal?: AbortSignal;
	/** Quiet time after the last change before a rerun starts, in milliseconds. */
	settleMs?: number;
}

const isSpec = (file: string) => /\.(spec|test)\.tsx?$/.test(file) || /[\\/]__tests__[\\/]/.test(file);

/** The spec files that import (directly or not) one of `changed`; undefined when a change reaches none of them. */
export function affectedSpecs(folders: string[], changed: string[]): string[] | undefined {
	const graph = new Map<string, string[]>();
	for (const folder of folders) for (const [file, targets] of importGraph(folder)) graph.set(file, targets);
	const changedSet = new Set(changed.map((file) => resolve(file)));
	const affected = new Set([...changedSet].filter(isSpec));
	const unreached = new Set([...changedSet].filter((file) => !isSpec(file)));
	for (const spec of [...graph.keys()].filter(isSpec)) {
		const seen = new Set<string>();
		const stack = [spec];
		while (stack.length > 0) {
			const file = stack.pop()!;
			if (seen.has(file)) continue;
			seen.add(file);
			if (changedSet.has(file)) {
				affected.add(spec);
				unreached.delete(file);
			}
			stack.push(...(graph.get(file) ?? []));
		}
	}
	return unreached.size > 0 ? undefined : [...affected].sort();
}

/** Runs the specs, then reruns them on each change until `signal` aborts (or for ever). */
export async function watchSpecs(options: WatchOptions): Promise<void> {
	const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
	const settleMs = options.settleMs ?? 200;
	await options.run();
	let pending = new Set<string>();
	let timer: NodeJS.Timeout | undefined;
	let running: Promise<void> = Promise.resolve();
	const announce = () => write("\nWatching for changes (Ctrl+C to stop)...");
	const rerun = async () => {
		const changed = [...pending];
		pending = new Set();
		if (changed.length === 0) return;
		write(`\nChanged: ${changed.map((file) => file.slice(resolve(".").length + 1) || file).join(", ")}`);
		if (!options.rebuild()) {
			write("rbxtsc failed; waiting for the next change");
			return announce();
		}
		const specs = affectedSpecs(options.watched, changed);
		await options.run(specs?.map(options.specPath));
		announce();
	};
	const watchers: FSWatcher[] = options.watched.map((folder) =>
		watch(folder, { recursive: true }, (_event, name) => {
			if (name === null || !/\.tsx?$/.test(name) || name.endsWith(".d.ts")) return;
			pending.add(join(folder, name.toString()));
			clearTimeout(timer);
			timer = setTimeout(() => {
				running = running.then(rerun);
			}, settleMs);
		}),
	);
	announce();
	await new Promise<void>((done) => {
		const stop = () => {
			clearTimeout(timer);
			for (const watcher of watchers) watcher.close();
			void running.then(done);
		};
		if (options.signal?.aborted) stop();
		options.signal?.addEventListener("abort", stop);
		if (options.signal === undefined) process.once("SIGINT", stop);
	});
}
