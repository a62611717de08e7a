/**
 * `npm run bench`: runs the benchmark scenario (bench/main.ts) in a fresh Luau VM state per run — baseline, ours,
 * original, original, ours, baseline — so that neither library inherits the other's heap, and the order effect on
 * wall time cancels out. Prints the averages and ours/original ratios as a Markdown table.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { runEngine } from "./Launcher.js";

interface Result {
	kind: "baseline" | "ours" | "original";
	wall: number;
	requests: number;
	heapFloorKb: number;
	handOff?: number;
	crashTakeover?: number;
}

const ORDER: Result["kind"][] = ["baseline", "ours", "original", "original", "ours", "baseline"];

/**
 * `npm run bench -- --saves`: real milliseconds per save at about 1 KB, 50 KB and 1 MB of Data, ours against the
 * original, each run in a fresh VM state, three runs each in alternating order; prints median (min..max) and the
 * ratio of the medians.
 */
async function saves(project: string) {
	const order: Array<"ours" | "original"> = ["ours", "original", "original", "ours", "ours", "original"];
	const out = [
		"",
		"Real ms per save (from Save() to the write landing, DataStore encoding included), median (min..max) of 3 runs",
		"",
		"| Data | ours | original | ours / original |",
		"| --- | --- | --- | --- |",
	];
	for (const kilobytes of [1, 50, 1024]) {
		const times: Record<string, number[]> = { ours: [], original: [] };
		for (const kind of order) {
			const lines: string[] = [];
			const code = await runEngine(
				{
					command: "run",
					project,
					script: "ServerScriptService/Bench/main",
					argument: `saves:${kind}:${kilobytes}`,
					timeLimit: 100000,
				},
				(text) => lines.push(text),
			);
			const line = lines.find((text) => text.startsWith("BENCH "));
			if (code !== 0 || line === undefined) throw new Error(`bench: saves ${kind} failed:\n${lines.join("\n")}`);
			times[kind].push((JSON.parse(line.slice("BENCH ".length)) as { ms: number }).ms);
		}
		const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
		const cell = (values: number[]) =>
			`${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}..${Math.max(...values).toFixed(1)})`;
		const label = kilobytes >= 1024 ? `~${kilobytes / 1024} MB` : `~${kilobytes} KB`;
		const ratio = median(times.ours) / median(times.original);
		out.push(`| ${label} | ${cell(times.ours)} | ${cell(times.original)} | ${ratio.toFixed(2)} |`);
		process.stdout.write(`measured ${label}\n`);
	}
	process.stdout.write(`${out.join("\n")}\n`);
}

async function main() {
	const project = resolve("test.project.json");
	const build = spawnSync("npx", ["rbxtsc", "-p", "tsconfig.test.json", "--rojo", project, "--type", "game"], {
		stdio: "inherit",
	});
	if (build.status !== 0) throw new Error("bench: rbxtsc failed");
	if (process.argv.includes("--saves")) return saves(project);
	const results: Result[] = [];
	for (const kind of ORDER) {
		const lines: string[] = [];
		const code = await runEngine(
			{ command: "run", project, script: "ServerScriptService/Bench/main", argument: kind, timeLimit: 100000 },
			(text) => lines.push(text),
		);
		const line = lines.find((text) => text.startsWith("BENCH "));
		if (code !== 0 || line === undefined) throw new Error(`bench: the ${kind} run failed:\n${lines.join("\n")}`);
		results.push(JSON.parse(line.slice("BENCH ".length)) as Result);
		process.stdout.write(`ran ${kind}\n`);
	}
	const mean = (kind: Result["kind"], pick: (r: Result) => number) => {
		const picked = results.filter((r) => r.kind === kind).map(pick);
		return picked.reduce((a, b) => a + b, 0) / picked.length;
	};
	const baseHeap = mean("baseline", (r) => r.heapFloorKb);
	const rows: Array<[string, (r: Result) => number, string, number]> = [
		["wall time of 1 virtual hour, 100 players", (r) => r.wall - 0, "s", 2],
		["DataStore requests in that hour", (r) => r.requests, "", 0],
		["Luau heap floor above the no-library baseline", (r) => r.heapFloorKb - baseHeap, "KB", 0],
		["hand-off from a live server", (r) => r.handOff ?? 0, "virtual s", 2],
		["takeover of a crashed server's lock", (r) => r.crashTakeover ?? 0, "virtual s", 2],
	];
	const out: string[] = [
		"",
		"ProfileService benchmark: ours against the original, each run in a fresh VM state, order baseline/ours/original/original/ours/baseline",
		"",
		"| measure | ours | original | ours / original |",
		"| --- | --- | --- | --- |",
	];
	for (const [name, pick, unit, digits] of rows) {
		const ours = mean("ours", pick);
		const original = mean("original", pick);
		const ratio = ours / original;
		const verdict = Math.abs(ratio - 1) < 0.01 ? "same" : ratio < 1 ? "better" : "worse";
		const fmt = (v: number) => `${v.toFixed(digits)}${unit === "" ? "" : ` ${unit}`}`;
		out.push(`| ${name} | ${fmt(ours)} | ${fmt(original)} | ${ratio.toFixed(2)} (${verdict}) |`);
	}
	out.push("");
	for (const r of results) {
		out.push(
			`run ${r.kind.padEnd(8)} wall ${r.wall.toFixed(2)} s, heap floor ${r.heapFloorKb} KB, ${r.requests} requests`,
		);
	}
	out.push(
		`baseline (100 players, no library): ${mean("baseline", (r) => r.wall).toFixed(2)} wall s per virtual hour, heap floor ${baseHeap.toFixed(0)} KB`,
	);
	out.push(
		`runtime speed with 100 profiles (ours): ${mean("ours", (r) => r.wall).toFixed(2)} wall s per virtual hour`,
	);
	process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((err) => {
	process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
	process.exitCode = 1;
});
