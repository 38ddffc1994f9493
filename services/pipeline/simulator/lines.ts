// Course log lines, written exactly as the course's simulator writes them (pure).
export const watchLine = (at: string, user: number, movie: string, minute: number): string => `${at},${user},GET /data/m/${movie}/${minute}.mpg`;

export const rateLine = (at: string, user: number, movie: string, rating: number): string => `${at},${user},GET /rate/${movie}=${rating}`;

/** `result` is the comma-joined ids for status 200, else the error text (newlines flattened). */
export function recommendationLine(at: string, user: number, server: string, status: number, result: string, latencyMs: number): string {
  const text = result.replace(/[\r\n]+/g, ' ');
  return `${at},${user},recommendation request ${server}, status ${status}, result: ${text}, ${Math.round(latencyMs)} ms`;
}
