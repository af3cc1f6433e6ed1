/**
 * Small string helpers shared by the stages (pure).
 */

/** `s` cut to at most `max` characters, its last one an ellipsis when it was cut ("Flooding in Lis…"). */
export const ellipsis = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
