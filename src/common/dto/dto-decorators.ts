import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsNumber, IsObject, IsOptional, IsString, Min } from 'class-validator';

/**
 * One decorator per field shape: Swagger documentation plus validation. Every field is optional and `null`
 * means "not set", as LiteLLM's pydantic models treat it.
 */
export const OptionalString = (description?: string, example?: string): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: String, nullable: true, description, example }), IsOptional(), IsString());

export const OptionalStringList = (description?: string, example?: string[]): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], nullable: true, description, example }),
    IsOptional(),
    IsArray(),
    IsString({ each: true }),
  );

export const OptionalObject = (description?: string, example?: Record<string, unknown>): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description, example }),
    IsOptional(),
    IsObject(),
  );

/** LiteLLM turns `""` into None for budgets, so UIs that send an empty field keep working. */
export const OptionalNumber = (description?: string, example?: number): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: Number, nullable: true, description, example }),
    Transform(({ value }: { value: unknown }) => (value === '' ? null : value)),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }),
  );

export const OptionalCount = (description?: string, example?: number): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: Number, nullable: true, description, example }), IsOptional(), IsInt(), Min(0));

export const OptionalBoolean = (description?: string): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: Boolean, nullable: true, description }), IsOptional(), IsBoolean());
