import { formatFailure, type RunResults } from "../RunResults.js";

/** XML 1.0 cannot carry control characters other than tab, newline and carriage return, even escaped. */
const dropControls = (text: string) =>
	[...text].filter((c) => c.charCodeAt(0) >= 0x20 || c === "\t" || c === "\n" || c === "\r").join("");

const escapeXml = (text: string) =>
	dropControls(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

/**
 * The run as JUnit XML, which CI services read: a testsuite per spec file, a testcase per test with its real time
 * (its virtual time as a property, the TypeScript file and line a failure names as attributes), and a failed
 * testcase for a spec file that could not run.
 */
export function junitReport(results: RunResults): string {
	const totals = results.totals();
	const totalMs = results.tests.reduce((sum, test) => sum + (test.realMs ?? 0), 0);
	const suites = results.files.map((file) => {
		const tests = results.testsOf(file);
		const errors = results.fileErrors.filter((error) => error.file === file);
		const failed = tests.filter((test) => test.status === "failed").length + errors.length;
		const skipped = tests.filter((test) => test.status === "skipped").length;
		const ms = tests.reduce((sum, test) => sum + (test.realMs ?? 0), 0);
		const cases = [
			...errors.map((error) => {
				const text = escapeXml(formatFailure({ kind: "file", error }));
				return `    <testcase name="(spec file)" classname="${escapeXml(file)}" time="0.000">\n      <failure message="the spec file could not run">${text}</failure>\n    </testcase>`;
			}),
			...tests.map((test) => {
				// file and line, as pytest and Jest's junit reporters write them, for tools that link to the source.
				const where =
					test.location === undefined
						? ""
						: ` file="${escapeXml(test.location.file)}" line="${test.location.line}"`;
				const head = `    <testcase name="${escapeXml(test.name)}" classname="${escapeXml(file)}" time="${seconds(test.realMs)}"${where}>`;
				const property =
					test.virtualSeconds === undefined
						? ""
						: `\n      <properties><property name="virtualSeconds" value="${test.virtualSeconds}"/></properties>`;
				const body =
					test.status === "skipped"
						? "\n      <skipped/>"
						: test.status === "failed"
							? `\n      <failure message="${escapeXml(test.errors[0]?.split("\n")[0] ?? "failed")}">${escapeXml(formatFailure({ kind: "test", test }))}</failure>`
							: "";
				return `${head}${property}${body}\n    </testcase>`;
			}),
		];
		return `  <testsuite name="${escapeXml(file)}" tests="${tests.length + errors.length}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(ms)}">\n${cases.join("\n")}\n  </testsuite>`;
	});
	return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="rbxts-runtime" tests="${totals.passed + totals.failed + totals.skipped}" failures="${totals.failed}" errors="0" skipped="${totals.skipped}" time="${seconds(totalMs)}">\n${suites.join("\n")}\n</testsuites>\n`;
}
