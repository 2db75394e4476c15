// The local API Gateway's binary media types: read from the template's REST API, matched against the first
// Accept type the way API Gateway matches them (exact, type/*, */*; parameters ignored).
import { describe, expect, it } from 'vitest';
import { binaryMediaTypesFromTemplate, isBinaryMediaType } from '#local/api-gateway.ts';
import type { CfnTemplate } from '#local/template.ts';

describe('binary media types', () => {
  it("are the template's REST API BinaryMediaTypes", () => {
    const template = { Resources: { Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { BinaryMediaTypes: ['application/zip', 'image/*'] } }, Other: { Type: 'AWS::S3::Bucket' } } } as unknown as CfnTemplate;
    expect(binaryMediaTypesFromTemplate(template)).toEqual(['application/zip', 'image/*']);
    expect(binaryMediaTypesFromTemplate({ Resources: {} } as unknown as CfnTemplate)).toEqual([]);
  });

  it('match a media type exactly, by a wildcard subtype or */*, case-insensitively and without parameters', () => {
    const types = ['application/zip', 'image/*'];
    expect(isBinaryMediaType('application/zip', types)).toBe(true);
    expect(isBinaryMediaType('Application/ZIP; q=0.9', types)).toBe(true);
    expect(isBinaryMediaType('image/png', types)).toBe(true);
    expect(isBinaryMediaType('application/json', types)).toBe(false);
    expect(isBinaryMediaType('*/*', types)).toBe(false); // a client's */* is not a binary type unless the API lists */*
    expect(isBinaryMediaType('', types)).toBe(false);
    expect(isBinaryMediaType('text/html', ['*/*'])).toBe(true);
  });
});
