/**
 * A PEM block inside one JSON string value of a serialized log line: from its BEGIN marker to
 * its END marker, or to the end of that string when it was cut short (an unterminated key is
 * still key material). It never crosses the string's closing quote, so the line stays JSON.
 */
const PEM_IN_JSON_STRING = /-----BEGIN [A-Z0-9 ]+-----(?:[^"\\]|\\.)*?(?:-----END [A-Z0-9 ]+-----|(?="))/g;

/** A last line of defence on every serialized line: key material never reaches a log, whoever logged it. */
export function redactPem(line: string): string {
  return line.includes('-----BEGIN') ? line.replace(PEM_IN_JSON_STRING, '[redacted PEM]') : line;
}
