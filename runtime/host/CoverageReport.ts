/**
 * `--coverage`: the counters the runs sent (runtime/host/CoverageInstrument.ts puts them in the Luau) as line and
 * branch coverage of the game's TypeScript, each Luau line read as the TypeScript line it came from
 * (runtime/host/SourceMap.ts). Written as Jest writes coverage: a text summary, `lcov.info` and
 * `coverage-summary.json` (Istanbul's json-summary).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type * as TS from "typescript";
import { instrumentLuau } from "./CoverageInstrument.js";
import { mapLines } from "./SourceMap.js";
import { isInside, isSpecLike } from "./SpecDiscovery.js";
import { loadTypescript, TsLocations } from "./TsLocations.js";

export interface FileCoverage {
	/** The TypeScript file, relative to the display root. */
	file: string;
	/** Hits by TypeScript line, for every line that holds a statement. */
	lines: Map<number, number>;
	/** Each arm of each `if`: its TypeScript line, the `if`'s number in the file, the arm's, and its hits. */
	branches: Array<{ line: number; block: number; arm: number; hits: number }>;
}

export interface Tally {
	total: number;
	covered: number;
	pct: number;
}

const tally = (total: number, covered: number): Tally => ({
	total,
	covered,
	// Nothing to cover counts as covered, as Istanbul counts it.
	pct: total === 0 ? 100 : Math.round((covered / total) * 10000) / 100,
});

/** The coverage of each compiled file, from the counts the runs sent (files no run loaded count zero). */
export function buildCoverage(
	ts: typeof TS,
	files: Array<{ luau: string; ts: string }>,
	counts: Map<string, number[]>,
	displayRoot: string,
): FileCoverage[] {
	return files.map(({ luau, ts: tsFile }) => {
		const luauText = readFileSync(luau, "utf8");
		const { statements, branches } = instrumentLuau(luauText, luau);
		const hits = counts.get(luau) ?? [];
		const hitsOf = (id: number) => hits[id - 1] ?? 0;
		// Only Luau lines with a token of their own in the TypeScript: `return { ... }` and other lines roblox-ts
		// adds would count for whatever line is above them.
		const tsLines = mapLines(ts, tsFile, readFileSync(tsFile, "utf8"), luauText, false);
		const lines = new Map<number, number>();
		for (const { id, line } of statements) {
			const tsLine = tsLines[line];
			if (tsLine > 0) lines.set(tsLine, Math.max(lines.get(tsLine) ?? 0, hitsOf(id)));
		}
		const arms: FileCoverage["branches"] = [];
		branches.forEach((branch, block) => {
			const line = tsLines[branch.line];
			if (!(line > 0)) return;
			const taken = branch.arms.map(hitsOf);
			// An `if` without `else` has one more way through: none of its arms.
			if (!branch.hasElse) taken.push(Math.max(0, hitsOf(branch.id) - taken.reduce((a, b) => a + b, 0)));
			taken.forEach((count, arm) => arms.push({ line, block, arm, hits: count }));
		});
		return { file: relative(displayRoot, tsFile).split(sep).join("/"), lines, branches: arms };
	});
}

export function linesOf(file: FileCoverage): Tally {
	return tally(file.lines.size, [...file.lines.values()].filter((hits) => hits > 0).length);
}

export function branchesOf(file: FileCoverage): Tally {
	return tally(file.branches.length, file.branches.filter((arm) => arm.hits > 0).length);
}

export function totalsOf(files: FileCoverage[]): { lines: Tally; branches: Tally } {
	const sum = (of: (file: FileCoverage) => Tally) =>
		tally(
			files.reduce((n, file) => n + of(file).total, 0),
			files.reduce((n, file) => n + of(file).covered, 0),
		);
	return { lines: sum(linesOf), branches: sum(branchesOf) };
}

/** Runs of consecutive numbers as "3-5, 9". */
function ranges(numbers: number[]): string {
	const out: string[] = [];
	for (let i = 0; i < numbers.length; i++) {
		let j = i;
		while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
		out.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
		i = j;
	}
	return out.join(", ");
}

/** Jest's text table: each file's % of lines and branches covered, and its uncovered lines. */
export function textSummary(files: FileCoverage[]): string {
	const rows = files.map((file) => {
		const uncovered = [...file.lines.entries()]
			.filter(([, hits]) => hits === 0)
			.map(([line]) => line)
			.sort((a, b) => a - b);
		return [file.file, `${linesOf(file).pct}`, `${branchesOf(file).pct}`, ranges(uncovered)];
	});
	const totals = totalsOf(files);
	rows.push(["All files", `${totals.lines.pct}`, `${totals.branches.pct}`, ""]);
	const header = ["File", "% Lines", "% Branch", "Uncovered lines"];
	const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => Math.min(row[i].length, 60))));
	const format = (row: string[]) =>
		row
			.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : i < 3 ? cell.padStart(widths[i]) : cell))
			.join(" | ")
			.trimEnd();
	const rule = widths.map((width) => "-".repeat(width)).join("-|-");
	return [
		rule,
		format(header),
		rule,
		...rows.slice(0, -1).map(format),
		rule,
		format(rows[rows.length - 1]),
		rule,
	].join("\n");
}

/** lcov's tracefile, which coverage services and editors read. */
export function lcov(files: FileCoverage[]): string {
	return files
		.map((file) => {
			const out = [`TN:`, `SF:${file.file}`];
			for (const arm of file.branches) {
				out.push(`BRDA:${arm.line},${arm.block},${arm.arm},${arm.hits === 0 ? "-" : arm.hits}`);
			}
			const branches = branchesOf(file);
			out.push(`BRF:${branches.total}`, `BRH:${branches.covered}`);
			for (const [line, hits] of [...file.lines.entries()].sort((a, b) => a[0] - b[0])) {
				out.push(`DA:${line},${hits}`);
			}
			const lines = linesOf(file);
			out.push(`LF:${lines.total}`, `LH:${lines.covered}`, "end_of_record");
			return out.join("\n");
		})
		.join("\n")
		.concat("\n");
}

/** Istanbul's json-summary (coverage-summary.json): totals, then each file's. */
export function jsonSummary(files: FileCoverage[]): string {
	const entry = (lines: Tally, branches: Tally) => ({
		lines: { ...lines, skipped: 0 },
		statements: { ...lines, skipped: 0 },
		branches: { ...branches, skipped: 0 },
	});
	const totals = totalsOf(files);
	const summary: Record<string, unknown> = { total: entry(totals.lines, totals.branches) };
	for (const file of files) summary[file.file] = entry(linesOf(file), branchesOf(file));
	return `${JSON.stringify(summary, undefined, 2)}\n`;
}

/** Writes lcov.info and coverage-summary.json into `dir`; returns their paths. */
export function writeCoverage(files: FileCoverage[], dir: string): string[] {
	mkdirSync(dir, { recursive: true });
	const written = [join(dir, "lcov.info"), join(dir, "coverage-summary.json")];
	writeFileSync(written[0], lcov(files));
	writeFileSync(written[1], jsonSummary(files));
	return written;
}

export interface CoverageRun {
	/** The tsconfig of the build that ran. */
	tsconfig: string;
	/** The folders of the TypeScript covered (the game's sources; specs never count). */
	roots: string[];
	counts: Map<string, number[]>;
	/** Where lcov.info and coverage-summary.json go. */
	directory: string;
	/** Percentage of lines, and of branches, below which the run fails. */
	threshold?: number;
	write: (text: string) => void;
	displayRoot?: string;
}

/** Prints the summary, writes the files, and says whether the threshold (if any) is met. */
export function reportCoverage(run: CoverageRun): boolean {
	const displayRoot = run.displayRoot ?? process.cwd();
	const locations = TsLocations.load(run.tsconfig, displayRoot);
	const ts = loadTypescript(dirname(resolve(run.tsconfig)));
	if (locations === undefined || ts === undefined) {
		run.write(`\n--coverage: could not read ${run.tsconfig}; no coverage report`);
		return run.threshold === undefined;
	}
	const roots = run.roots.map((root) => resolve(root));
	const files = locations
		.compiledFiles()
		.filter((file) => !isSpecLike(file.ts) && roots.some((root) => isInside(root, file.ts)));
	const coverage = buildCoverage(ts, files, run.counts, displayRoot);
	const written = writeCoverage(coverage, run.directory);
	const totals = totalsOf(coverage);
	run.write(`\n${textSummary(coverage)}`);
	run.write(
		`Coverage: ${totals.lines.pct}% of lines (${totals.lines.covered}/${totals.lines.total}), ${totals.branches.pct}% of branches (${totals.branches.covered}/${totals.branches.total}); ${written.map((file) => relative(displayRoot, file)).join(", ")}`,
	);
	if (run.threshold === undefined) return true;
	const low = (["lines", "branches"] as const).filter((kind) => totals[kind].pct < run.threshold!);
	for (const kind of low) {
		run.write(`Coverage of ${kind} ${totals[kind].pct}% is below --coverage-threshold ${run.threshold}%`);
	}
	return low.length === 0;
}
