import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The most recently modified file under `paths` (files or folders, walked whole; node_modules and dot folders skipped). */
export function newestChange(paths: string[]): { path: string; time: number } | undefined {
	let newest: { path: string; time: number } | undefined;
	const visit = (path: string) => {
		let stat;
		try {
			stat = statSync(path);
		} catch {
			return;
		}
		if (stat.isDirectory()) {
			for (const entry of readdirSync(path)) {
				if (entry !== "node_modules" && !entry.startsWith(".")) visit(join(path, entry));
			}
		} else if (newest === undefined || stat.mtimeMs > newest.time) {
			newest = { path, time: stat.mtimeMs };
		}
	};
	paths.forEach(visit);
	return newest;
}
