/**
 * Runs `callback` and errors if it yields. DataStore transforms and global update handlers must not yield; the
 * mock store enforces it as Roblox does, so code that works on Mock works live.
 * @internal
 */
export function callWithoutYield<R>(what: string, callback: () => R): R {
	const thread = coroutine.create(callback);
	const [ok, value] = coroutine.resume(thread);
	if (!ok) error(value, 0);
	if (coroutine.status(thread) !== "dead") {
		coroutine.close(thread);
		error(`[ProfileService] ${what} yielded; it must not yield (no task.wait() or Async calls inside it)`, 0);
	}
	return value as R;
}
