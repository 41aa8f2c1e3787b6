// Why a tag pattern was refused, in words an operator can act on.

export class PatternInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatternInvalid";
  }
}
