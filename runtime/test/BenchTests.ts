/**
 * `npm run bench -- --quick` as a CI smoke test: every scenario runs for both libraries and yields numbers. Nothing
 * about timing is asserted (these machines are noisy); the goals are read from full runs.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { latencySvg, markdownTable, runBench } from "../../tools/Bench.js";

type HostTest = [name: string, run: () => Promise<void> | void];

export const benchTests: HostTest[] = [
	[
		"bench --quick: every scenario runs for both libraries and reports a number for each",
		async () => {
			const report = await runBench(resolve("test.project.json"), true);
			const measures = report.rows.map((row) => row.measure);
			for (const expected of [
				"real ms per save",
				"steady",
				"heap per loaded profile",
				"100 players join",
				"UpdateAsync budget left",
				"graceful shutdown",
				"live hand-off p50",
				"crashed-holder takeover p50",
			]) {
				assert.ok(
					measures.some((m) => m.includes(expected) || (expected === "steady" && m.startsWith("real s per"))),
					`no row for ${expected}: ${measures.join("; ")}`,
				);
			}
			for (const row of report.rows) {
				assert.equal(row.ours.length, 1, row.measure);
				assert.equal(row.original.length, 1, row.measure);
				for (const value of [...row.ours, ...row.original]) assert.ok(Number.isFinite(value), row.measure);
			}
			assert.ok(markdownTable(report).split("\n").length === report.rows.length + 2);
			assert.ok(latencySvg(report).includes("<circle"));
		},
	],
];
