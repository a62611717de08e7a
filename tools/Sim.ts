/**
 * `npm run sim -- [--seed N] [--seeds K] [--servers N] [--players N] [--hours H] [--faults 0|10|30|all]
 *                 [--impl ours|original|profilestore|lapis|both|all|mixed] [--period S] [--schema-change] [--json]
 *                 [--transactions] [--no-build]`
 *
 * `--period S`: the AutoSavePeriod of our servers' store (default 30, the original's).
 * `--transactions`: half the trades between two players of one of our servers go through TransactAsync, a few of
 * them with a crash of that server during the transaction (sim/Trades.ts); the items they trade are counted by
 * invariant 3 with no crash exemption.
 *
 * Runs the data-safety simulation (sim/main.ts) once per implementation, fault level and seed, each in a fresh Luau
 * VM state, prints a table per fault level and the first example of every violated invariant with the events
 * that led to it, and exits non-zero when any invariant was violated. `both` is ours and the original; `all` adds
 * the peers, ProfileStore and Lapis, each driven through its adapter in sim/.
 */
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { runEngine } from "../runtime/host/Launcher.js";

export interface SimOptions {
	impl: "ours" | "original" | "profilestore" | "lapis" | "mixed";
	seed: number;
	servers: number;
	players: number;
	hours: number;
	faults: 0 | 10 | 30;
	/** `--schema-change`: a release with a new migration rolls out at half time (sim/SchemaChange.ts). */
	schemaChange?: boolean;
	/** `--period`: AutoSavePeriod of our servers' store, seconds (default 30). */
	period?: number;
	/** `--transactions`: half the trades on our servers go through TransactAsync (sim/Trades.ts). */
	transactions?: boolean;
}

export interface SimResult extends SimOptions {
	serverHours: number;
	counts: Record<string, number>;
	loads: { count: number; p50: number; p90: number; max: number };
	violations: Record<string, { name: string; count: number; example?: string; events?: string[] }>;
	/** Mixed fleets: violations on keys no server of ours loaded, held or sent a gift to, by invariant. */
	violationsOriginalOnly?: Record<string, number>;
	wallSeconds: number;
	requests: number;
	/** DataStore requests the runtime failed on purpose (errors, lost responses, outages). */
	faultsInjected: number;
	/** With --schema-change: old-release refusals, migration runs, profiles the settle loaded. */
	schema?: { refusals: number; migrations: number; settled: number };
	/** UpdateAsync requests sent (every server, the gift senders included). */
	updateAsync?: number;
	/** MemoryStoreService requests sent, and how many Roblox's request-unit limit throttled. */
	memoryStore?: { requests: number; throttled: number };
}

const PROJECT = resolve("test.project.json");

/**
 * Runs one scenario in a fresh VM state, from an already built test tree, in a child process of its own: every Luau
 * state of a process shares one wasm heap of at most 4 GB that is never given back, so twenty 1-hour runs in one
 * process ran out of memory. The child exits with the run, and its heap with it.
 */
export async function runSimulation(options: SimOptions): Promise<SimResult> {
	const child = spawn(
		process.execPath,
		[...process.execArgv, resolve("tools/Sim.ts"), "--one", JSON.stringify(options)],
		{
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
	const code = await new Promise<number | null>((done) => child.on("close", done));
	const line = stdout.split("\n").find((text) => text.startsWith("SIM "));
	if (code !== 0 || line === undefined) {
		throw new Error(`sim: ${describe(options)} failed:\n${(stdout + stderr).split("\n").slice(-40).join("\n")}`);
	}
	return JSON.parse(line.slice("SIM ".length)) as SimResult;
}

/** The child's side of runSimulation: runs the scenario in this process and prints its `SIM` line. */
async function runHere(options: SimOptions): Promise<void> {
	const lines: string[] = [];
	const code = await runEngine(
		{
			command: "run",
			project: PROJECT,
			script: "ServerScriptService/Sim/main",
			argument: JSON.stringify(options),
			timeLimit: options.hours * 3600 + 7200,
		},
		(text) => lines.push(text),
	);
	const line = lines.find((text) => text.startsWith("SIM "));
	if (code !== 0 || line === undefined) {
		process.stdout.write(`${lines.slice(-40).join("\n")}\n`);
		process.exitCode = 1;
		return;
	}
	process.stdout.write(`${line}\n`);
}

export function describe(o: SimOptions): string {
	return `--impl ${o.impl} --seed ${o.seed} --faults ${o.faults} --servers ${o.servers} --players ${o.players} --hours ${o.hours}${o.period !== undefined ? ` --period ${o.period}` : ""}${o.schemaChange === true ? " --schema-change" : ""}${o.transactions === true ? " --transactions" : ""}`;
}

/** Total violations of a result. */
export function violationCount(result: SimResult): number {
	return Object.values(result.violations).reduce((n, v) => n + v.count, 0);
}

function quantile(values: number[], share: number): number {
	if (values.length === 0) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

/** The Markdown table of one fault level, with a column per implementation. */
/** Libraries that cannot send a gift to another server's profile: their gift measures are n/a. */
const NO_GIFTS = new Set<SimOptions["impl"]>(["lapis"]);

export function table(results: SimResult[], faults: number): string[] {
	const impls = [...new Set(results.map((r) => r.impl))];
	const of = (impl: string) => results.filter((r) => r.impl === impl && r.faults === faults);
	const sum = (rs: SimResult[], pick: (r: SimResult) => number) => rs.reduce((n, r) => n + pick(r), 0);
	const rows: Array<[string, (rs: SimResult[]) => string]> = [
		["seeds", (rs) => `${rs.length}`],
		["server-hours", (rs) => sum(rs, (r) => r.serverHours).toFixed(1)],
		["loads", (rs) => `${sum(rs, (r) => r.loads.count)}`],
		[
			"hops / same-server rejoins",
			(rs) => `${sum(rs, (r) => r.counts.hops)} / ${sum(rs, (r) => r.counts.rejoins)}`,
		],
		[
			"ghost hops / rejoins during a load / new server crashed or shut down while loading",
			(rs) =>
				`${sum(rs, (r) => r.counts.ghostHops)} / ${sum(rs, (r) => r.counts.rejoinsDuringLoad)} / ${sum(rs, (r) => r.counts.requesterCrashes)}, ${sum(rs, (r) => r.counts.requesterShutdowns)}`,
		],
		[
			"hand-offs whose holder could not write for the ForceLoad window (not counted in 9)",
			(rs) => `${sum(rs, (r) => r.counts.handOffsUnwritable)}`,
		],
		[
			"UpdateAsync per server-hour / MemoryStore requests per server-hour (throttled)",
			(rs) => {
				const hours = sum(rs, (r) => r.serverHours);
				const updates = sum(rs, (r) => r.updateAsync ?? 0) / Math.max(hours, 1e-9);
				const memory = sum(rs, (r) => r.memoryStore?.requests ?? 0) / Math.max(hours, 1e-9);
				return `${updates.toFixed(0)} / ${memory.toFixed(0)} (${sum(rs, (r) => r.memoryStore?.throttled ?? 0)})`;
			},
		],
		[
			"servers cut off from MemoryStoreService for 1-10 min",
			(rs) => `${sum(rs, (r) => r.counts.memoryStoreCuts ?? 0)}`,
		],
		[
			"crashes / graceful shutdowns",
			(rs) => `${sum(rs, (r) => r.counts.crashes)} / ${sum(rs, (r) => r.counts.shutdowns)}`,
		],
		[
			"gifts sent / acknowledged / errored",
			(rs) =>
				rs.some((r) => NO_GIFTS.has(r.impl))
					? "n/a"
					: `${sum(rs, (r) => r.counts.giftsSent)} / ${sum(rs, (r) => r.counts.giftsAcked)} / ${sum(rs, (r) => r.counts.giftsErrored)}`,
		],
		["purchases granted", (rs) => `${sum(rs, (r) => r.counts.purchasesGranted)}`],
		[
			"items minted / burned / traded",
			(rs) =>
				`${sum(rs, (r) => r.counts.minted)} / ${sum(rs, (r) => r.counts.burned)} / ${sum(rs, (r) => r.counts.traded)}`,
		],
		[
			"TransactAsync trades: started / false / servers crashed during one",
			(rs) =>
				`${sum(rs, (r) => r.counts.transactions ?? 0)} / ${sum(rs, (r) => r.counts.transactionsFalse ?? 0)} / ${sum(rs, (r) => r.counts.transactionCrashes ?? 0)}`,
		],
		[
			"items traded by TransactAsync / crash exemptions refused them / still so at the end",
			(rs) =>
				`${sum(rs, (r) => r.counts.tradedByTransaction ?? 0)} / ${sum(rs, (r) => r.counts.exemptionsRefused ?? 0)} / ${sum(rs, (r) => r.counts.transactedChecked ?? 0)}`,
		],
		[
			"shutdown releases the DataStore refused at every attempt (4+ failures in 30 s) / held by an undecided TransactAsync",
			(rs) =>
				`${sum(rs, (r) => r.counts.releasesRefused)} / ${sum(rs, (r) => r.counts.releasesHeldByTransaction ?? 0)}`,
		],
	];
	const names = results[0]?.violations ?? {};
	for (const id of Object.keys(names)) {
		rows.push([
			`${id}. ${names[id].name}`,
			(rs) => {
				// Invariant 11 is about our migrations, checked only in a --schema-change run.
				if (id === "11" && !rs.some((r) => r.schemaChange === true)) return "n/a";
				const count = `${sum(rs, (r) => r.violations[id].count)}`;
				return id === "4" && rs.some((r) => NO_GIFTS.has(r.impl)) ? `${count} (purchases only)` : count;
			},
		]);
	}
	if (results.some((r) => r.violationsOriginalOnly !== undefined)) {
		rows.push([
			"mixed fleet: the original's own violations, counted apart (only original servers involved, or an original holder that had freed the lock itself)",
			(rs) => `${sum(rs, (r) => Object.values(r.violationsOriginalOnly ?? {}).reduce((n, c) => n + c, 0))}`,
		]);
	}
	rows.push([
		"load time p50 / p90 / max (virtual s)",
		(rs) => {
			const p50 = quantile(
				rs.map((r) => r.loads.p50),
				0.5,
			);
			const p90 = quantile(
				rs.map((r) => r.loads.p90),
				0.5,
			);
			const max = Math.max(0, ...rs.map((r) => r.loads.max));
			return `${p50.toFixed(2)} / ${p90.toFixed(2)} / ${max.toFixed(2)}`;
		},
	]);
	rows.push(["wall time (s)", (rs) => sum(rs, (r) => r.wallSeconds).toFixed(1)]);
	const out = [
		`faults ${faults}: DataStore error rate ${faults} %` +
			(faults > 0
				? `, ${faults === 10 ? 2 : 5} % lost responses, ${faults === 10 ? 1 : 2} 60 s outage(s) per hour`
				: "") +
			(faults > 0
				? `; MemoryStoreService error rate ${faults} % and ${faults === 10 ? 1 : 2} 60 s outage(s) per hour`
				: "") +
			"; MessagingService loss 50 % on odd seeds" +
			(results[0]?.period !== undefined ? `; our AutoSavePeriod ${results[0].period} s` : ""),
		"",
		`| measure | ${impls.join(" | ")} |`,
		`| --- | ${impls.map(() => "---").join(" | ")} |`,
	];
	for (const [name, cell] of rows) out.push(`| ${name} | ${impls.map((impl) => cell(of(impl))).join(" | ")} |`);
	return out;
}

/** The first example of each violated invariant, with the events of its key and the command that reproduces it. */
export function examples(results: SimResult[]): string[] {
	const out: string[] = [];
	const seen = new Set<string>();
	for (const result of results) {
		for (const [id, v] of Object.entries(result.violations)) {
			if (v.count === 0 || seen.has(`${result.impl}:${id}`)) continue;
			seen.add(`${result.impl}:${id}`);
			out.push(``, `${result.impl}: invariant ${id} (${v.name}) violated: ${v.example}`);
			out.push(`  reproduce: npm run sim -- ${describe(result)}`);
			for (const event of v.events ?? []) out.push(`    ${event}`);
		}
	}
	return out;
}

function parse(argv: string[]) {
	const flags: Record<string, string | boolean> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith("--")) throw new Error(`sim: unexpected argument "${arg}"`);
		const next = argv[i + 1];
		if (next !== undefined && !next.startsWith("--")) {
			flags[arg.slice(2)] = next;
			i++;
		} else {
			flags[arg.slice(2)] = true;
		}
	}
	return flags;
}

function numberFlag(flags: Record<string, string | boolean>, name: string, fallback: number): number {
	const value = flags[name];
	if (value === undefined) return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n <= 0) throw new Error(`sim: --${name} must be a positive number, got "${value}"`);
	return n;
}

async function main() {
	const flags = parse(process.argv.slice(2));
	if (typeof flags.one === "string") return runHere(JSON.parse(flags.one) as SimOptions);
	const impl = String(flags.impl ?? "ours");
	if (!["ours", "original", "profilestore", "lapis", "both", "all", "mixed"].includes(impl)) {
		throw new Error(`sim: --impl must be ours, original, profilestore, lapis, both, all or mixed`);
	}
	const faultsFlag = String(flags.faults ?? "all");
	if (!["0", "10", "30", "all"].includes(faultsFlag)) throw new Error(`sim: --faults must be 0, 10, 30 or all`);
	const levels = (faultsFlag === "all" ? [0, 10, 30] : [Number(faultsFlag)]) as SimOptions["faults"][];
	const impls = (
		impl === "both" ? ["ours", "original"] : impl === "all" ? ["ours", "original", "profilestore", "lapis"] : [impl]
	) as SimOptions["impl"][];
	const schemaChange = flags["schema-change"] === true;
	if (schemaChange && impl !== "ours")
		throw new Error("sim: --schema-change needs --impl ours (migrations are ours)");
	const seed = numberFlag(flags, "seed", 1);
	const seeds = numberFlag(flags, "seeds", 1);
	const base = {
		servers: numberFlag(flags, "servers", 4),
		players: numberFlag(flags, "players", 40),
		hours: numberFlag(flags, "hours", 1),
		schemaChange,
		period: flags.period === undefined ? undefined : numberFlag(flags, "period", 30),
		transactions: flags.transactions === true,
	};
	if (flags["no-build"] !== true) {
		const build = spawnSync("npx", ["rbxtsc", "-p", "tsconfig.test.json", "--rojo", PROJECT, "--type", "game"], {
			stdio: "inherit",
		});
		if (build.status !== 0) throw new Error("sim: rbxtsc failed");
	}
	const results: SimResult[] = [];
	for (const faults of levels) {
		for (let s = seed; s < seed + seeds; s++) {
			for (const which of impls) {
				const result = await runSimulation({ impl: which, seed: s, faults, ...base });
				results.push(result);
				if (flags.json !== true) {
					process.stdout.write(
						`${which} seed ${s} faults ${faults}: ${result.serverHours.toFixed(1)} server-hours, ${result.loads.count} loads, ${violationCount(result)} violations (${result.wallSeconds.toFixed(1)} s)` +
							(result.schema !== undefined
								? `; schema change: ${result.schema.refusals} old-release refusals, ${result.schema.migrations} migration runs, ${result.schema.settled} profiles settled`
								: "") +
							"\n",
					);
				}
			}
		}
	}
	if (flags.json === true) {
		process.stdout.write(`${JSON.stringify(results, undefined, "\t")}\n`);
	} else {
		const out: string[] = [];
		for (const faults of levels) out.push("", ...table(results, faults));
		out.push(...examples(results));
		process.stdout.write(`${out.join("\n")}\n`);
	}
	const total = results.reduce((n, r) => n + violationCount(r), 0);
	if (total > 0) {
		process.stdout.write(`\nsim: ${total} violations\n`);
		process.exitCode = 1;
	}
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve("tools/Sim.ts")) {
	main().catch((err) => {
		process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exitCode = 1;
	});
}
