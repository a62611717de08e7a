/** Assertions the specs share. */

/** Expects `text` to contain `part` (plain text, not a pattern), showing both when it does not. */
export function expectContains(text: string, part: string) {
	if (text.find(part, 1, true)[0] === undefined) {
		error(`expected the text to contain ${string.format("%q", part)}, got ${string.format("%q", text)}`, 2);
	}
}

/** Expects `call` to error with a message containing `part`; returns the message. */
export function expectError(call: () => unknown, part: string): string {
	const [ok, err] = pcall(call);
	if (ok) error(`expected an error containing ${string.format("%q", part)}, but the call succeeded`, 2);
	const message = tostring(err);
	if (message.find(part, 1, true)[0] === undefined) {
		error(`expected an error containing ${string.format("%q", part)}, got ${string.format("%q", message)}`, 2);
	}
	return message;
}
