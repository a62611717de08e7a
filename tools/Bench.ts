/**
 * `npm run bench -- [--quick] [--json] [--svg] [--no-build]`: ours against the original and the peers ProfileStore
 * and Lapis on the offline runtime. Every scenario of bench/main.ts runs in a fresh Luau VM state per library and
 * repeat, in an order that goes forwards and backwards through the libraries (so none always runs first), and is
 * reported as median (min..max), with the ratio of ours to the original. A full run rewrites the results in
 * bench/README.md and the README's table; `--quick` (one repeat, fewer phases and sizes) is the CI smoke test and
 * asserts nothing about timing.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { runEngine } from "../runtime/host/Launcher.js";
import { freshLuauHeap } from "../runtime/host/LuauVm.js";

/** "ours300": ours with `AutoSavePeriod: 300`, the peers' auto-save period (bench/Libraries.ts). */
export type Library = "ours" | "ours300" | "original" | "profilestore" | "lapis";
type Kind = Library | "baseline";
export const LIBRARIES: Library[] = ["ours", "ours300", "original", "profilestore", "lapis"];

/** One scenario run's `BENCH` line. */
export interface BenchRun {
	scenario: string;
	kind: Kind;
	[field: string]: unknown;
}

/** A row of the report: one measure, each library's values over the repeats (none: n/a for that library). */
export interface BenchRow {
	measure: string;
	unit: string;
	digits: number;
	values: Record<Library, number[]>;
	/** What "better" is for this measure. */
	better: "lower" | "higher";
}

export interface BenchReport {
	quick: boolean;
	date: string;
	rows: BenchRow[];
	/** Latency samples per panel and library, for the chart. */
	latencies: Record<string, Partial<Record<Library, number[]>>>;
	runs: BenchRun[];
}

const FULL_ORDER: Library[] = [...LIBRARIES, ...[...LIBRARIES].reverse(), ...LIBRARIES];
const QUICK_ORDER: Library[] = LIBRARIES;

interface Plan {
	saves: number[];
	steadyMinutes: number;
	shutdowns: Array<[count: number, errorPercent: number]>;
	phases: number;
	/** Trades per trade run, and virtual minutes of 100 players trading (bench/Trades.ts). */
	trades: number;
	tradingMinutes: number;
}

const FULL: Plan = {
	saves: [1, 50, 1024],
	steadyMinutes: 60,
	shutdowns: [
		[100, 0],
		[100, 10],
		[300, 0],
		[300, 10],
	],
	phases: 20,
	trades: 20,
	tradingMinutes: 10,
};
const QUICK: Plan = { saves: [1], steadyMinutes: 4, shutdowns: [[100, 10]], phases: 2, trades: 3, tradingMinutes: 2 };

/**
 * Runs per wasm heap. Every run's Luau state stays in its heap (at most 4 GB), and a full run of four libraries
 * (about 130 runs, ~1 MB saves among them) fills one; a new heap every so often keeps the old ones' RAM modest.
 */
const RUNS_PER_HEAP = 16;
let runsOnHeap = 0;

async function runScenario(project: string, argument: string): Promise<BenchRun> {
	if (++runsOnHeap > RUNS_PER_HEAP) {
		freshLuauHeap();
		runsOnHeap = 1;
	}
	const lines: string[] = [];
	const code = await runEngine(
		{ command: "run", project, script: "ServerScriptService/Bench/main", argument, timeLimit: 100000 },
		(text) => lines.push(text),
	);
	const line = lines.find((text) => text.startsWith("BENCH "));
	if (code !== 0 || line === undefined) throw new Error(`bench: ${argument} failed:\n${lines.join("\n")}`);
	return JSON.parse(line.slice("BENCH ".length)) as BenchRun;
}

export const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const sizeLabel = (kilobytes: number) => (kilobytes >= 1024 ? `~${kilobytes / 1024} MB` : `~${kilobytes} KB`);

/** Runs every scenario of the plan; `progress` is told what ran. */
export async function runBench(
	project: string,
	quick: boolean,
	progress: (text: string) => void = () => {},
): Promise<BenchReport> {
	const plan = quick ? QUICK : FULL;
	const order = quick ? QUICK_ORDER : FULL_ORDER;
	const runs: BenchRun[] = [];
	const rows: BenchRow[] = [];
	const latencies: BenchReport["latencies"] = {};
	const byLibrary = (): Record<Library, BenchRun[]> => ({
		ours: [],
		ours300: [],
		original: [],
		profilestore: [],
		lapis: [],
	});
	const each = async (argument: (kind: Library) => string) => {
		const byKind = byLibrary();
		for (const kind of order) {
			const run = await runScenario(project, argument(kind));
			runs.push(run);
			byKind[kind].push(run);
			progress(`${argument(kind)} done`);
		}
		return byKind;
	};
	const row = (
		measure: string,
		byKind: Record<Library, BenchRun[]>,
		pick: (run: BenchRun) => number | undefined,
		unit: string,
		digits: number,
		better: BenchRow["better"] = "lower",
	) => {
		// A library that cannot do what is measured has no values: n/a.
		const values = byLibrary() as unknown as Record<Library, number[]>;
		for (const kind of LIBRARIES) {
			values[kind] = byKind[kind].map(pick).filter((v): v is number => v !== undefined);
		}
		rows.push({ measure, unit, digits, better, values });
	};
	const samples = (byKind: Record<Library, BenchRun[]>, field: string) => {
		const out: Partial<Record<Library, number[]>> = {};
		for (const kind of LIBRARIES) out[kind] = byKind[kind].flatMap((r) => r[field] as number[]);
		return out;
	};

	for (const kilobytes of plan.saves) {
		const saves = await each((kind) => `saves:${kind}:${kilobytes}`);
		row(`real ms per save, ${sizeLabel(kilobytes)} of Data`, saves, (r) => r.ms as number, "ms", 1);
	}

	// The steady state, with no-library baselines around and between the libraries' runs for the heap floor.
	const baselines: BenchRun[] = [];
	const baseline = async () => {
		const run = await runScenario(project, `steady:baseline:${plan.steadyMinutes}`);
		runs.push(run);
		baselines.push(run);
	};
	await baseline();
	const steadyKinds = byLibrary();
	for (const [index, kind] of order.entries()) {
		const run = await runScenario(project, `steady:${kind}:${plan.steadyMinutes}`);
		runs.push(run);
		steadyKinds[kind].push(run);
		if (!quick && index === order.length / 2 - 1) await baseline();
	}
	if (!quick) await baseline();
	progress("steady state done");
	const floor = median(baselines.map((r) => r.heapFloorKb as number));
	const period = plan.steadyMinutes === 60 ? "1 virtual hour" : `${plan.steadyMinutes} virtual minutes`;
	row(`real s per ${period}, 100 profiles of ~1 KB`, steadyKinds, (r) => r.wall as number, "s", 2);
	row(`DataStore requests in those ${plan.steadyMinutes} minutes`, steadyKinds, (r) => r.requests as number, "", 0);
	const perProfileHour = (r: BenchRun, count: number) =>
		count / (r.profiles as number) / ((r.minutes as number) / 60);
	row("DataStore requests per profile-hour held", steadyKinds, (r) => perProfileHour(r, r.requests as number), "", 1);
	row("… of which UpdateAsync", steadyKinds, (r) => perProfileHour(r, r.updates as number), "", 1);
	row("MemoryStore requests per minute (whole server)", steadyKinds, (r) => r.memoryPerMinute as number, "", 1);
	row(
		"Luau heap per loaded profile (floor above the no-library baseline)",
		steadyKinds,
		(r) => ((r.heapFloorKb as number) - floor) / (r.profiles as number),
		"KB",
		2,
	);

	const join = await each((kind) => `join:${kind}`);
	row("100 players join in 10 s: DataStore requests", join, (r) => r.requests as number, "", 0);
	const methods = new Set<string>();
	for (const run of LIBRARIES.flatMap((kind) => join[kind])) {
		for (const method of Object.keys(run.byMethod as object)) methods.add(method);
	}
	for (const method of [...methods].sort()) {
		row(`… of which ${method}`, join, (r) => (r.byMethod as Record<string, number>)[method] ?? 0, "", 0);
	}
	row("… load time p50", join, (r) => r.p50 as number, "virtual s", 2);
	row("… load time max", join, (r) => r.max as number, "virtual s", 2);
	row("… UpdateAsync budget left", join, (r) => r.budgetUpdate as number, "", 0, "higher");
	row("… requests throttled", join, (r) => r.throttled as number, "", 0);
	latencies["join: load time"] = samples(join, "times");

	for (const [count, errorPercent] of plan.shutdowns) {
		const result = await each((kind) => `shutdown:${kind}:${count}:${errorPercent}`);
		const faults = errorPercent === 0 ? "no errors" : `${errorPercent} % DataStore errors`;
		row(
			`graceful shutdown, ${count} profiles, ${faults}: saved and released within 30 s`,
			result,
			(r) => r.released as number,
			"",
			0,
			"higher",
		);
	}

	// A load that gave up (Lapis, whose holder keeps its lock) has no hand-off time: n/a, and a row of its own.
	const loaded = (r: BenchRun) => (r.times as number[]).length > 0;
	for (const [scenario, label] of [
		["handoff", "live hand-off"],
		["takeover", "crashed-holder takeover"],
		["handofflost", "live hand-off, every MessagingService message lost"],
	] as const) {
		const result = await each((kind) => `${scenario}:${kind}:${plan.phases}`);
		row(
			`${label} p50, ${plan.phases} phases of the auto-save cycle`,
			result,
			(r) => (loaded(r) ? (r.p50 as number) : undefined),
			"virtual s",
			2,
		);
		row(`${label} max`, result, (r) => (loaded(r) ? (r.max as number) : undefined), "virtual s", 2);
		if (scenario === "handofflost") {
			row(
				"… of those, B got the holder's last change",
				result,
				(r) => (loaded(r) ? (r.kept as number) : undefined),
				"",
				0,
				"higher",
			);
		}
		// After a crash, a Lapis game retries until the lock expires: the takeover time is that wait.
		if (scenario === "takeover") {
			latencies[label] = samples(result, "times");
			continue;
		}
		row(
			`… B's loads that gave up while the holder kept the lock, of ${plan.phases}`,
			result,
			(r) => (r.gaveUp as number[]).length,
			"",
			0,
		);
		row(
			"… seconds until B's load gave up, p50",
			result,
			(r) => ((r.gaveUp as number[]).length > 0 ? median(r.gaveUp as number[]) : undefined),
			"virtual s",
			2,
		);
		latencies[label] = samples(result, "times");
	}
	// Trades (issue 26): ours through TransactAsync; every library as two plain saves.
	const supported = (r: BenchRun) => r.supported === true;
	for (const mode of ["tx", "plain"] as const) {
		const result = await each((kind) => `trade:${kind}:${mode}:${plan.trades}`);
		const label = mode === "tx" ? "a trade through TransactAsync" : "a trade as two plain Save()";
		const short = mode === "tx" ? "TransactAsync" : "two plain Save()";
		row(
			`${label}: UpdateAsync until durable`,
			result,
			(r) => (supported(r) ? (r.updatesPerTrade as number) : undefined),
			"",
			1,
		);
		row(
			`… ${short} virtual s until durable, p50`,
			result,
			(r) => (supported(r) ? (r.p50 as number) : undefined),
			"virtual s",
			2,
		);
		row(
			`… ${short} virtual s until durable, max`,
			result,
			(r) => (supported(r) ? (r.max as number) : undefined),
			"virtual s",
			2,
		);
	}
	const trading = await each((kind) => `trading:${kind}:${plan.tradingMinutes}`);
	const tradingLabel = `100 players trading (one trade each a minute, ${plan.tradingMinutes} min; ours by transactions, the others by two plain Save())`;
	row(`${tradingLabel}: UpdateAsync per minute`, trading, (r) => r.updatesPerMinute as number, "", 0);
	row("… UpdateAsync budget left, lowest", trading, (r) => r.lowestBudget as number, "", 0, "higher");
	row("… requests throttled", trading, (r) => r.throttled as number, "", 0);
	row("… TransactAsync calls that returned false", trading, (r) => r.failed as number | undefined, "", 0);
	row(
		"… TransactAsync virtual s until it returned, p50",
		trading,
		(r) => r.p50 as number | undefined,
		"virtual s",
		2,
	);
	row(
		"… TransactAsync virtual s until it returned, max",
		trading,
		(r) => r.max as number | undefined,
		"virtual s",
		2,
	);
	return { quick, date: new Date().toISOString().slice(0, 10), rows, latencies, runs };
}

function cell(values: number[], digits: number, unit: string) {
	if (values.length === 0) return "n/a";
	const fmt = (v: number) => v.toFixed(digits);
	const range = values.length > 1 ? ` (${fmt(Math.min(...values))}..${fmt(Math.max(...values))})` : "";
	return `${fmt(median(values))}${unit === "" ? "" : ` ${unit}`}${range}`;
}

export function ratioOf(row: BenchRow) {
	if (row.values.ours.length === 0 || row.values.original.length === 0) return undefined;
	const theirs = median(row.values.original);
	return theirs === 0 ? (median(row.values.ours) === 0 ? 1 : Infinity) : median(row.values.ours) / theirs;
}

/** The report as a Markdown table. */
export function markdownTable(report: BenchReport) {
	const repeats = report.quick ? "1 run" : "3 runs";
	const lines = [
		`| measure | ours, median (min..max) of ${repeats} | ours, AutoSavePeriod 300 | original | ProfileStore | Lapis | ours / original |`,
		"| --- | --- | --- | --- | --- | --- | --- |",
	];
	for (const row of report.rows) {
		const ratio = ratioOf(row);
		let compared = "n/a";
		if (ratio !== undefined) {
			const same = Math.abs(ratio - 1) < 0.01;
			const good = row.better === "lower" ? ratio < 1 : ratio > 1;
			const verdict = same ? "same" : good ? "better" : "worse";
			compared = `${Number.isFinite(ratio) ? ratio.toFixed(2) : "∞"} (${verdict})`;
		}
		const cells = LIBRARIES.map((kind) => cell(row.values[kind], row.digits, row.unit));
		lines.push(`| ${row.measure} | ${cells.join(" | ")} | ${compared} |`);
	}
	return lines.join("\n");
}

/** A chart of the latency samples: one panel per measure, one strip of dots per library, the median marked. */
export function latencySvg(report: BenchReport) {
	const panels = Object.entries(report.latencies);
	const width = 760;
	const left = 90;
	const plot = width - left - 30;
	const panelHeight = 200;
	const colors: Record<Library, string> = {
		ours: "#1f77b4",
		ours300: "#17becf",
		original: "#d62728",
		profilestore: "#2ca02c",
		lapis: "#9467bd",
	};
	const parts: string[] = [];
	panels.forEach(([title, samples], index) => {
		const top = 20 + index * panelHeight;
		const max = Math.max(1, ...LIBRARIES.flatMap((kind) => samples[kind] ?? []));
		const x = (v: number) => left + (v / max) * plot;
		parts.push(`<text x="${left}" y="${top + 12}" font-weight="bold">${title} (virtual s)</text>`);
		LIBRARIES.forEach((kind, row) => {
			const y = top + 35 + row * 30;
			const values = samples[kind] ?? [];
			parts.push(`<text x="10" y="${y + 4}">${kind}${values.length === 0 ? " (n/a)" : ""}</text>`);
			parts.push(`<line x1="${left}" y1="${y}" x2="${left + plot}" y2="${y}" stroke="#ddd"/>`);
			for (const v of values) {
				parts.push(
					`<circle cx="${x(v).toFixed(1)}" cy="${y}" r="3" fill="${colors[kind]}" fill-opacity="0.5"/>`,
				);
			}
			if (values.length > 0) {
				const m = x(median(values)).toFixed(1);
				parts.push(`<line x1="${m}" y1="${y - 9}" x2="${m}" y2="${y + 9}" stroke="black" stroke-width="2"/>`);
			}
		});
		const axisY = top + 185;
		parts.push(`<line x1="${left}" y1="${axisY}" x2="${left + plot}" y2="${axisY}" stroke="#999"/>`);
		for (let i = 0; i <= 4; i++) {
			const v = (max * i) / 4;
			parts.push(`<text x="${x(v).toFixed(1)}" y="${axisY + 13}" text-anchor="middle">${v.toFixed(1)}</text>`);
		}
	});
	const height = 30 + panels.length * panelHeight;
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
		`<rect width="100%" height="100%" fill="white"/>`,
		...parts,
		`<text x="${width - 250}" y="14">dots: every sample; bar: median</text>`,
		"</svg>",
		"",
	].join("\n");
}

/** Replaces what lies between two marker lines of a file. */
function replaceBetween(path: string, start: string, end: string, content: string) {
	const text = readFileSync(path, "utf8");
	const from = text.indexOf(start);
	const to = text.indexOf(end);
	if (from === -1 || to === -1) throw new Error(`bench: markers ${start} / ${end} not found in ${path}`);
	writeFileSync(path, `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`);
}

async function main() {
	const args = process.argv.slice(2);
	const quick = args.includes("--quick");
	const project = resolve("test.project.json");
	if (!args.includes("--no-build")) {
		const build = spawnSync("npx", ["rbxtsc", "-p", "tsconfig.test.json", "--rojo", project, "--type", "game"], {
			stdio: "inherit",
		});
		if (build.status !== 0) throw new Error("bench: rbxtsc failed");
	}
	const json = args.includes("--json");
	const report = await runBench(project, quick, (text) => {
		if (!json) process.stdout.write(`${text}\n`);
	});
	if (json) {
		process.stdout.write(`${JSON.stringify(report, undefined, "\t")}\n`);
	} else {
		process.stdout.write(`\n${markdownTable(report)}\n`);
	}
	if (args.includes("--svg")) {
		writeFileSync("bench/latency.svg", latencySvg(report));
		if (!json) process.stdout.write("wrote bench/latency.svg\n");
	}
	if (!quick) {
		const table = `On ${report.date}, \`npm run bench\`:\n\n${markdownTable(report)}`;
		replaceBetween("bench/README.md", "<!-- bench:results -->", "<!-- /bench:results -->", table);
		replaceBetween("README.md", "<!-- bench:results -->", "<!-- /bench:results -->", markdownTable(report));
		if (!json) process.stdout.write("updated bench/README.md and README.md\n");
	}
}

if (process.argv[1]?.endsWith("Bench.ts")) {
	main().catch((err) => {
		process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exitCode = 1;
	});
}
