/**
 * The API key permissions (Open Cloud scopes) each request and each command needs, from the reference of the
 * DataStoreEntry resource (https://create.roblox.com/docs/cloud/reference/DataStoreEntry): Get needs
 * objects:read (a revision too: it is the same endpoint with `@<revisionId>`), Update objects:update, Delete
 * objects:delete, List Revisions versions:list.
 */
export const Scopes = {
	read: "universe-datastores.objects:read",
	update: "universe-datastores.objects:update",
	delete: "universe-datastores.objects:delete",
	listRevisions: "universe-datastores.versions:list",
} as const;

export type Scope = (typeof Scopes)[keyof typeof Scopes];

/** Least privilege per command: what the README's table lists. */
export const COMMAND_SCOPES: Record<string, { needs: Scope[]; optional?: Scope[] }> = {
	view: { needs: [Scopes.read] },
	versions: { needs: [Scopes.listRevisions], optional: [Scopes.read] },
	diff: { needs: [Scopes.read] },
	rollback: { needs: [Scopes.read, Scopes.update] },
	edit: { needs: [Scopes.read, Scopes.update] },
	unlock: { needs: [Scopes.read, Scopes.update] },
	erase: { needs: [Scopes.read, Scopes.delete], optional: [Scopes.listRevisions] },
};
