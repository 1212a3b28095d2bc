using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Entente.Hosting;

/// <summary>
/// The node's OpenAPI document (GET /openapi/v1.json): titled "Entente" with the node's version, both ways of sending
/// an API key as security schemes and required by every operation that is not public, and on every operation the
/// error answers it can give, each as RFC 9457 problem details (<c>ProblemDetails</c>, with <c>errors</c> as
/// <see cref="Common.FieldError"/>). Numeric query parameters are integers (the web defaults would say "integer or
/// string"). Endpoints add their own errors (<c>ProducesProblem</c>) and request bodies per content type.
/// </summary>
public static class NodeOpenApi
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";
    public const string ProblemSchema = "ProblemDetails";
    public const string FieldErrorSchema = "FieldError";
    private const string ProblemMedia = "application/problem+json";

    public static IServiceCollection AddNodeOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddOperationTransformer((operation, context, _) =>
            {
                Complete(operation, context);
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                CompleteErrors(document);
                return Task.CompletedTask;
            });
        });

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Entente",
            Version = NodeComposition.Version,
            Description = "A customs-cooperation node: declarations, risk targeting, the ledger, exchange with partners and mutual assistance. "
                + "Every error is RFC 9457 problem details; a refused field is listed in `errors` as {path, message, file?, line?}. docs/api.md.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "A user's API key (entente user add --role ROLE) in the X-Api-Key header.",
        };
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The same API key as 'Authorization: Bearer KEY'.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[FieldErrorSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One refused field: where (a JSON pointer into the body, or a query parameter's name; for a submitted file its file and line) and what was expected.",
            Required = new HashSet<string> { "path", "message" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["path"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "JSON pointer (/declarationId) or parameter name (limit)" },
                ["message"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "what is wrong and what was expected" },
                ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "the submitted file (ingest)" },
                ["line"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "the line, or EDIFACT segment, in that file or body" },
            },
        };
        document.Components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "why, in words" },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["errors"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchemaReference(FieldErrorSchema, document) },
            },
        };
        document.Workspace?.RegisterComponents(document);
    }

    private static void Complete(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var document = context.Document;
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= new OpenApiResponses();
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.Schema is not OpenApiSchema { Type: { } type } schema) continue;
            // Query values are parsed as numbers: no "integer or string" with a pattern.
            if (type.HasFlag(JsonSchemaType.Integer)) (schema.Type, schema.Pattern) = (JsonSchemaType.Integer, null);
            else if (type.HasFlag(JsonSchemaType.Number)) (schema.Type, schema.Pattern) = (JsonSchemaType.Number, null);
        }

        if (!metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] });
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
            Add(operation, document, 401, "No API key, or a key this node does not know.");
            Add(operation, document, 403, "The caller's role may not do this (or may not read personal data for the purpose stated).");
            Add(operation, document, 429, "Too many failed authentications from this client; retry after the Retry-After header.");
        }
        if (context.Description.RelativePath?.Contains('{', StringComparison.Ordinal) == true)
            Add(operation, document, 404, "Nothing with that id here.");
    }

    /// <summary>
    /// Once every operation is complete (endpoints may set their own request body): the errors that follow from its input,
    /// the busy database, and problem details as the content of every error answer.
    /// </summary>
    private static void CompleteErrors(OpenApiDocument document)
    {
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
        {
            operation.Responses ??= new OpenApiResponses();
            if (operation.Parameters is { Count: > 0 } || operation.RequestBody is not null)
                Add(operation, document, 400, "A parameter or body field is missing, not of its type or out of range; `errors` names each one.");
            if (operation.RequestBody is not null)
            {
                Add(operation, document, 413, "The body is larger than the node accepts (Node:MaxRequestBytes).");
                Add(operation, document, 415, "The body's content type is not one this operation accepts; the detail lists those it does.");
            }
            Add(operation, document, 503, "The database stayed busy past its timeout; retry after the Retry-After header.");
            foreach (var (status, response) in operation.Responses)
            {
                if (status.Length == 3 && status[0] is '4' or '5' && response is OpenApiResponse problem)
                    problem.Content = ProblemContent(document);
            }
        }
    }

    private static void Add(OpenApiOperation operation, OpenApiDocument? document, int status, string description) =>
        operation.Responses!.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new OpenApiResponse { Description = description, Content = ProblemContent(document) });

    private static Dictionary<string, OpenApiMediaType> ProblemContent(OpenApiDocument? document) =>
        new() { [ProblemMedia] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, document) } };
}
