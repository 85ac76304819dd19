const MASK = '***';
/** Shorter strings would mask ordinary words; no real secret of ours is this short. */
const MIN_SECRET_LENGTH = 6;
/** Header values that are credentials whatever they hold, in logs, dumps or JSON. */
const CREDENTIAL_HEADER = /((?:authorization|x-amz-security-token|x-aws-ec2-metadata-token|proxy-authorization)["']?\s*[:=]\s*["']?)[^"'\r\n}]+/gi;

/**
 * The one redaction layer every output path goes through (logs, errors, reports, JSON).
 * Secrets are registered as soon as they are known; each is also masked in its base64 form,
 * which is how it appears in Basic auth headers and ECR authorization tokens.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  private ordered: string[] = [];

  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.secrets.add(Buffer.from(secret).toString('base64'));
    this.ordered = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  /** A user:secret pair as Basic auth and ECR tokens carry it. */
  addPair(user: string, secret: string | undefined): void {
    if (secret === undefined) return;
    this.add(secret);
    this.add(`${user}:${secret}`);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.ordered) {
      if (result.includes(secret)) result = result.split(secret).join(MASK);
    }
    return result.replace(CREDENTIAL_HEADER, `$1${MASK}`);
  }
}
