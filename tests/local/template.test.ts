import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadTemplate,
  resolveIntrinsics,
  resourcesOfType,
  stackExports,
  type CfnTemplate,
  type IntrinsicContext,
} from '../../local/template.ts';

const ctx: IntrinsicContext = {
  ref: (id) => {
    if (id === 'CasesTable') return 'local-cases';
    if (id === 'Fn') return 'local-fn';
    if (id === 'Stage') return 'dev';
    throw new Error(`unknown logical id ${id}`);
  },
  getAtt: (id, attr) => {
    if (id === 'CasesTable' && attr === 'Arn') return 'arn:aws:dynamodb:eu-west-1:000000000000:table/local-cases';
    if (id === 'CasesTable' && attr === 'StreamArn') return 'arn:aws:dynamodb:ddblocal:000000000000:table/local-cases/stream/x';
    if (id === 'Bucket' && attr === 'Endpoint.Address') return 'bucket.local';
    throw new Error(`unknown attribute ${id}.${attr}`);
  },
  region: 'eu-west-1',
  accountId: '000000000000',
  partition: 'aws',
  stackName: 'TrustdeskStateless',
  urlSuffix: 'amazonaws.com',
};

// A small hand-made template in the shape cdk synth produces.
const template: CfnTemplate = {
  Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>' } },
  Resources: {
    CasesTable: {
      Type: 'AWS::DynamoDB::Table',
      Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Environment: {
          Variables: {
            TABLE: { Ref: 'CasesTable' },
            TABLE_ARN: { 'Fn::GetAtt': ['CasesTable', 'Arn'] },
            STREAM: { 'Fn::GetAtt': 'CasesTable.StreamArn' },
            REGION: { Ref: 'AWS::Region' },
            OPTIONAL: { Ref: 'AWS::NoValue' },
          },
        },
        Layers: ['a', { Ref: 'AWS::NoValue' }, 'b'],
      },
    },
    Other: { Type: 'AWS::Lambda::Function' },
    Sm: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        DefinitionString: {
          'Fn::Join': ['', ['{"Resource":"arn:', { Ref: 'AWS::Partition' }, ':states:::lambda:invoke","Fn":"', { 'Fn::GetAtt': ['CasesTable', 'Arn'] }, '"}']],
        },
      },
    },
  },
  Outputs: {
    TableArn: { Value: { 'Fn::GetAtt': ['CasesTable', 'Arn'] }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-TableArn' } } },
    NotExported: { Value: 'x' },
  },
};

describe('resolveIntrinsics', () => {
  it('resolves Ref, both Fn::GetAtt forms and pseudo parameters, and drops AWS::NoValue', () => {
    const props = resolveIntrinsics(template.Resources['Fn']!.Properties, ctx);
    expect(props).toEqual({
      Environment: {
        Variables: {
          TABLE: 'local-cases',
          TABLE_ARN: 'arn:aws:dynamodb:eu-west-1:000000000000:table/local-cases',
          STREAM: 'arn:aws:dynamodb:ddblocal:000000000000:table/local-cases/stream/x',
          REGION: 'eu-west-1',
        },
      },
      Layers: ['a', 'b'],
    });
    expect(resolveIntrinsics({ Ref: 'AWS::NoValue' }, ctx)).toBeUndefined();
    expect(
      resolveIntrinsics(
        ['AWS::AccountId', 'AWS::Partition', 'AWS::StackName', 'AWS::URLSuffix'].map((p) => ({ Ref: p })),
        ctx,
      ),
    ).toEqual(['000000000000', 'aws', 'TrustdeskStateless', 'amazonaws.com']);
    // "A.B.C": the logical id ends at the first dot
    expect(resolveIntrinsics({ 'Fn::GetAtt': 'Bucket.Endpoint.Address' }, ctx)).toBe('bucket.local');
  });

  it('resolves a synthesized DefinitionString (Fn::Join of strings, Ref and GetAtt) to plain JSON', () => {
    const def = resolveIntrinsics(template.Resources['Sm']!.Properties!['DefinitionString'], ctx);
    expect(JSON.parse(def as string)).toEqual({
      Resource: 'arn:aws:states:::lambda:invoke',
      Fn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/local-cases',
    });
  });

  it('resolves Fn::Sub in string form: pseudo parameters, Ref, Logical.Attr and ${!Literal}', () => {
    expect(
      resolveIntrinsics(
        { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:${CasesTable}/${CasesTable.Arn} ${!NotAVar}' },
        ctx,
      ),
    ).toBe(
      'arn:aws:logs:eu-west-1:000000000000:local-cases/arn:aws:dynamodb:eu-west-1:000000000000:table/local-cases ${NotAVar}',
    );
  });

  it('resolves Fn::Sub in [string, vars] form, with a nested Join (and Select/Split) inside the vars', () => {
    const value = {
      'Fn::Sub': [
        'https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/${Path}#${First}',
        {
          Api: 'abc123',
          Path: { 'Fn::Join': ['/', ['cases', { Ref: 'CasesTable' }, { 'Fn::Join': ['-', ['x', { Ref: 'AWS::Region' }]] }]] },
          First: { 'Fn::Select': [0, { 'Fn::Split': [',', { 'Fn::Join': [',', ['p', 'q']] }] }] },
        },
      ],
    };
    // ${Stage} is not a variable: it is a Ref
    expect(resolveIntrinsics(value, ctx)).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/dev/cases/local-cases/x-eu-west-1#p',
    );
  });

  it('resolves Fn::Select (string index too) and Fn::Split, and Fn::Base64', () => {
    expect(resolveIntrinsics({ 'Fn::Select': ['1', { 'Fn::Split': ['/', 'a/b/c'] }] }, ctx)).toBe('b');
    expect(resolveIntrinsics({ 'Fn::Split': ['|', { 'Fn::Sub': '${AWS::Region}|x' }] }, ctx)).toEqual(['eu-west-1', 'x']);
    expect(resolveIntrinsics({ 'Fn::Base64': { Ref: 'AWS::Region' } }, ctx)).toBe(Buffer.from('eu-west-1').toString('base64'));
    expect(() => resolveIntrinsics({ 'Fn::Select': [3, ['a']] }, ctx)).toThrow(/out of range/);
  });

  it('leaves plain values alone and does not mutate the input', () => {
    const input = { a: 1, b: [true, null, 'x'], c: { Ref: 'CasesTable' }, d: { Ref: 'CasesTable', extra: 1 } };
    const copy = structuredClone(input);
    expect(resolveIntrinsics(input, ctx)).toEqual({ a: 1, b: [true, null, 'x'], c: 'local-cases', d: { Ref: 'CasesTable', extra: 1 } });
    expect(input).toEqual(copy);
  });

  it('throws clearly, naming the intrinsic and where it is, for conditions and imports', () => {
    const withIf = { Resources: { X: { Properties: { Env: { 'Fn::If': ['IsProd', 'a', 'b'] } } } } };
    expect(() => resolveIntrinsics(withIf, ctx)).toThrow(/\$\.Resources\.X\.Properties\.Env\.Fn::If: intrinsic function Fn::If is not supported/);
    expect(() => resolveIntrinsics({ 'Fn::Equals': ['a', 'b'] }, ctx)).toThrow(/Fn::Equals is not supported/);
    expect(() => resolveIntrinsics({ 'Fn::ImportValue': 'Stateful-TableArn' }, ctx)).toThrow(
      /Fn::ImportValue \("Stateful-TableArn"\) is not supported/,
    );
    expect(() => resolveIntrinsics({ 'Fn::Bogus': 1 }, ctx)).toThrow(/unknown intrinsic function Fn::Bogus/);
    expect(() => resolveIntrinsics({ Ref: 'Missing' }, ctx)).toThrow(/unknown logical id Missing/);
  });

  it('resolves Fn::ImportValue when the context provides importValue, fed by stackExports of the producer', () => {
    const exports = stackExports(template, ctx);
    expect(exports).toEqual({ 'TrustdeskStateless-TableArn': 'arn:aws:dynamodb:eu-west-1:000000000000:table/local-cases' });
    const consumer: IntrinsicContext = {
      ...ctx,
      importValue: (name) => {
        const v = exports[name];
        if (v === undefined) throw new Error(`no export ${name}`);
        return v;
      },
    };
    expect(resolveIntrinsics({ 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-TableArn' } }, consumer)).toBe(
      'arn:aws:dynamodb:eu-west-1:000000000000:table/local-cases',
    );
  });
});

describe('loadTemplate / resourcesOfType', () => {
  const dir = mkdtempSync(join(tmpdir(), 'template-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads <dir>/<stack>.template.json and filters resources by type in template order', () => {
    writeFileSync(join(dir, 'Stack.template.json'), JSON.stringify(template));
    const t = loadTemplate(dir, 'Stack');
    expect(resourcesOfType(t, 'AWS::Lambda::Function').map(([id]) => id)).toEqual(['Fn', 'Other']);
    expect(resourcesOfType(t, 'AWS::DynamoDB::Table')[0]![1].Properties).toEqual({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
    expect(resourcesOfType(t, 'AWS::SQS::Queue')).toEqual([]);
  });

  it('explains a missing template (naming the stacks that exist) and a malformed one', () => {
    expect(() => loadTemplate(dir, 'Nope')).toThrow(/Nope\.template\.json.*npm run synth.*Stacks in .*: Stack/s);
    writeFileSync(join(dir, 'Bad.template.json'), '{"Resources": ');
    expect(() => loadTemplate(dir, 'Bad')).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'Empty.template.json'), '{}');
    expect(() => loadTemplate(dir, 'Empty')).toThrow(/no "Resources"/);
  });
});
