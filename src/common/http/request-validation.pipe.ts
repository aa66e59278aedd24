import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { BadRequestError } from '../errors/http-errors';

/** A field of a request body or query that failed its DTO's rules, and why (Nest's texts, e.g. "rpm_limit must be an integer number"). */
interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The DTO validation of every management controller: unknown fields are refused (LiteLLM's pydantic models
 * are strict too) unless `allowUnknownFields`, values are converted to the DTO's types, and a refusal is a 400
 * in the OpenAI shape whose `param` names the first bad field.
 */
export function requestValidationPipe(options: { allowUnknownFields?: boolean } = {}): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: options.allowUnknownFields !== true,
    transform: true,
    exceptionFactory: (errors) => {
      const problems = fieldProblems(errors);
      return new BadRequestError(problems.map((problem) => problem.message).join('; ') || 'Invalid request.', problems[0]?.field ?? null);
    },
  });
}

/** Nest's own flattening (children's messages prefixed with their parent's path), with the path kept apart. */
function fieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: parent ? `${parent}.${message}` : message }));
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}
