/**
 * Writes the "What is emulated" list in runtime/README.md from the engine itself: it boots the engine with the
 * `emulated` command, which reads the class tables and a fresh server's globals (runtime/engine/Inventory.luau).
 *
 *   tsx runtime/host/EmulatedList.ts          rewrite the list
 *   tsx runtime/host/EmulatedList.ts --check  exit 1 if the README's list is not what the engine gives
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENGINE_DIR, runEngine } from "./Launcher.js";

export const README = join(ENGINE_DIR, "..", "README.md");
const START = "<!-- emulated: written by runtime/host/EmulatedList.ts from the engine; do not edit by hand -->";
const END = "<!-- end of emulated -->";

interface Inventory {
	classes: Array<{ name: string; kind: "service" | "creatable" | "other"; members: string[]; robloxMembers: number }>;
	globals: string[];
}

async function inventory(): Promise<Inventory> {
	const lines: string[] = [];
	const code = await runEngine({ command: "emulated", project: "" }, (text) => lines.push(text));
	if (code !== 0) throw new Error(`the engine's emulated command failed:\n${lines.join("\n")}`);
	return JSON.parse(lines.join("\n")) as Inventory;
}

function render(list: Inventory): string {
	const out: string[] = [START, ""];
	out.push(
		"Each class shows the members Roblox declares on it (inherited ones are under the superclass, such as `Instance`).",
		"",
	);
	out.push(`Globals: ${list.globals.map((name) => `\`${name}\``).join(", ")}.`, "");
	const groups: Array<[string, Inventory["classes"][number]["kind"]]> = [
		["Services", "service"],
		["Classes `Instance.new` creates", "creatable"],
		["Other classes", "other"],
	];
	for (const [title, kind] of groups) {
		const classes = list.classes.filter((c) => c.kind === kind);
		out.push(`**${title}** (${classes.length}):`, "");
		for (const c of classes) {
			const members = c.members.length > 0 ? `: ${c.members.join(", ")}` : "";
			out.push(`- \`${c.name}\` (${c.members.length} of its ${c.robloxMembers} members)${members}`);
		}
		out.push("");
	}
	out.push(END);
	return out.join("\n");
}

/** The README with its emulated list replaced by what the engine gives now. */
export async function readmeWithList(): Promise<{ current: string; wanted: string }> {
	const current = readFileSync(README, "utf8");
	const start = current.indexOf(START);
	const end = current.indexOf(END);
	if (start < 0 || end < start) throw new Error(`runtime/README.md has no emulated list markers`);
	const wanted = current.slice(0, start) + render(await inventory()) + current.slice(end + END.length);
	return { current, wanted };
}

const isMain = process.argv[1] !== undefined && /EmulatedList\.(ts|js)$/.test(process.argv[1]);
if (isMain) {
	const { current, wanted } = await readmeWithList();
	if (process.argv.includes("--check")) {
		if (current !== wanted) {
			process.stderr.write(
				"runtime/README.md's emulated list is out of date: run tsx runtime/host/EmulatedList.ts\n",
			);
			process.exit(1);
		}
	} else {
		writeFileSync(README, wanted);
	}
}
