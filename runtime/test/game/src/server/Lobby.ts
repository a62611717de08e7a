/** The lobby's message of the day, from the game's web API, with a fallback when the request fails. */
import { HttpService, ReplicatedStorage } from "@rbxts/services";
import { MOTD_FALLBACK, MOTD_URL } from "shared/Config";

export function start() {
	const motd = new Instance("StringValue");
	motd.Name = "Motd";
	const [ok, body] = pcall(() => HttpService.GetAsync(MOTD_URL));
	motd.Value = ok ? (HttpService.JSONDecode(body) as { text: string }).text : MOTD_FALLBACK;
	motd.Parent = ReplicatedStorage;
}
