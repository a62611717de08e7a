/** How times and sizes read in the tool's words. */
import { duration } from "./LockState.js";

/** "2026-01-01 00:05:12 UTC" */
export function utc(time: string | number): string {
	const date = new Date(time);
	if (Number.isNaN(date.getTime())) return String(time);
	return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "2026-01-01 00:05:12 UTC (3 min ago)" */
export function utcAgo(time: string | number, nowMs: number): string {
	const ms = new Date(time).getTime();
	if (Number.isNaN(ms)) return String(time);
	const seconds = (nowMs - ms) / 1000;
	return `${utc(time)} (${seconds < 1 ? "just now" : `${duration(seconds)} ago`})`;
}

/** "812 B", "1.2 KB", "3.9 MB" */
export function bytes(size: number): string {
	if (size < 1024) return `${size} B`;
	if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
	return `${(size / 1024 / 1024).toFixed(2)} MB`;
}
