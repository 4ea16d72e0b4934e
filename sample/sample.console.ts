/** Prints one readable line of the sample's story: `[who] what happened`. */
export function say(who: string, text: string): void {
  console.log(`[${who.padEnd(10)}] ${text}`);
}
