/** A program that cannot run as written (unknown buffer, field outside its struct, ...). */
export class ProgramError extends Error {}
