/**
 * `erase <store> <key>`: GDPR erasure of one profile. Open Cloud can mark the entry deleted (a tombstone); Roblox
 * keeps the tombstone and earlier revisions for 30 days ("Permanent deletion occurs after 30 days", Delete Data
 * Store Entry, https://create.roblox.com/docs/cloud/reference/DataStoreEntry) and Open Cloud has no call that
 * deletes one revision, so the report lists what remains and until when.
 *
 * Delete takes no etag in the reference, so it cannot be conditional: the tool checks the lock just before, and
 * refuses a held profile (its holder would keep the data and the player's session would break at its next save).
 */
import { CliError } from "../CliError.js";
import type { CommandContext } from "../CommandContext.js";
import { ExitCode } from "../ExitCode.js";
import { utc } from "../Format.js";
import { describeLock } from "../LockState.js";
import type { Revision } from "../OpenCloudClient.js";
import { Scopes } from "../Scopes.js";
import { listRevisions } from "./Versions.js";

const RETENTION_MS = 30 * 86_400_000;

async function remaining(ctx: CommandContext): Promise<Revision[] | string> {
	try {
		return await listRevisions(ctx, 1000);
	} catch (err) {
		if (err instanceof CliError && err.exitCode === ExitCode.Auth) {
			return `unknown: the key lacks ${Scopes.listRevisions}, which the report needs`;
		}
		throw err;
	}
}

function report(ctx: CommandContext, revisions: Revision[] | string) {
	if (typeof revisions === "string") {
		ctx.result.remaining = revisions;
		ctx.say("", `What Roblox still keeps: ${revisions}.`);
		return;
	}
	const rows = revisions.map((revision) => ({
		revisionId: revision.revisionId,
		revisionCreateTime: revision.revisionCreateTime,
		state: revision.state,
		expires: new Date(Date.parse(revision.revisionCreateTime) + RETENTION_MS).toISOString(),
	}));
	ctx.result.remaining = rows;
	const content = rows.filter((row) => row.state !== "DELETED");
	const lastExpiry = rows.reduce((latest, row) => (row.expires > latest ? row.expires : latest), "");
	ctx.say(
		"",
		"What Roblox still keeps:",
		`  ${rows.length - content.length} tombstone${rows.length - content.length === 1 ? "" : "s"} and ${content.length} earlier revision${content.length === 1 ? "" : "s"} with the profile's content,`,
		`  readable by revision id (universe-datastores.objects:read) until each expires 30 days after it was written;`,
		...(lastExpiry !== "" ? [`  the last expires ${utc(lastExpiry)}.`] : []),
		...content.map(
			(row) => `    ${row.revisionId}  written ${utc(row.revisionCreateTime)}, gone by ${utc(row.expires)}`,
		),
		"  Open Cloud cannot delete single revisions. To remove them sooner, a game server can call",
		"  DataStore:RemoveVersionAsync(key, revisionId) for each id above (listed with --json), or set up Roblox's",
		"  automated right-to-be-forgotten templates (Creator Hub, Data Stores Manager).",
	);
}

export async function erase(ctx: CommandContext): Promise<void> {
	const entry = await ctx.client.getEntry(ctx.address);
	if (entry === undefined) {
		ctx.result.outcome = "absent";
		ctx.say(`There is no ${ctx.entryName()} to erase (never written, or deleted already).`);
		return report(ctx, await remaining(ctx));
	}
	const current = await ctx.load();
	const { lock } = current;
	ctx.result.lock = lock;
	ctx.say(`Erase ${ctx.entryName()}`, `Lock: ${describeLock(lock)[0]}`);
	if (lock.state === "held") {
		throw CliError.refused(
			"Not erased: a server holds the profile (the player is in a game). Its next save would break the session, and " +
				"it keeps the data in memory until then. Erase once the player has left (the lock is released).",
		);
	}
	if (lock.state === "dead" && ctx.flags.force !== true) {
		throw CliError.refused(
			`Not erased: the lock is dead (${lock.because}). Run again with --force to erase it anyway.`,
		);
	}
	const users = (current.entry.users ?? []).map((user) => user.replace(/^users\//, "")).join(", ");
	ctx.say(
		`The entry is marked deleted at once (its user ids ${users === "" ? "none" : users} go with it); Roblox removes it for good after 30 days.`,
	);
	if (ctx.flags["dry-run"] === true) {
		ctx.result.outcome = "dry-run";
		ctx.say("", "Dry run: nothing was deleted.");
		return report(ctx, await remaining(ctx));
	}
	await ctx.confirm("This cannot be undone with this tool.", ctx.address.key);
	const deleted = await ctx.client.deleteEntry(ctx.address);
	ctx.result.outcome = deleted ? "erased" : "absent";
	ctx.say("", deleted ? "Erased." : "It was deleted meanwhile by someone else.");
	report(ctx, await remaining(ctx));
}
