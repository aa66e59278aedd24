import { ApiProperty } from '@nestjs/swagger';

/** The inside of the OpenAI error envelope every error response carries (see common/http/error-envelope.ts). */
export class ErrorDetailDto {
  @ApiProperty({ example: 'Authentication Error, Invalid proxy server token passed.' }) message!: string;
  @ApiProperty({ example: 'auth_error', description: 'auth_error, invalid_request_error, not_found_error, budget_exceeded, rate_limit_error, …' })
  type!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The request field at fault, when there is one' }) param!: string | null;
  @ApiProperty({ example: '401', description: 'The HTTP status, as a string' }) code!: string;
}

/** `{"error": {message, type, param, code}}`: the HTTP status is `int(error.code)`. */
export class ErrorEnvelopeDto {
  @ApiProperty({ type: ErrorDetailDto }) error!: ErrorDetailDto;
}
