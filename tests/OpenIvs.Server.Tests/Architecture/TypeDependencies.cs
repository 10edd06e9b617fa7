using System.Reflection;
using System.Reflection.Emit;

namespace OpenIvs.Server.Tests.Architecture;

/// <summary>
/// The types a type uses, read by reflection: its base type and interfaces, the types in its fields,
/// properties, events and method signatures, custom attributes, and every type, method and field its method
/// bodies name (the IL's metadata tokens). Nested types (lambdas' closures, async state machines) count as
/// their outermost declaring type, so code in a lambda is charged to the class that wrote it.
/// </summary>
internal static class TypeDependencies
{
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Every outermost type of <paramref name="assembly"/> with the types it uses (outermost too).</summary>
    public static Dictionary<Type, HashSet<Type>> Of(Assembly assembly)
    {
        var graph = new Dictionary<Type, HashSet<Type>>();
        foreach (var type in assembly.GetTypes())
        {
            var owner = Outermost(type);
            if (!graph.TryGetValue(owner, out var used))
            {
                graph[owner] = used = [];
            }

            foreach (var dependency in Used(type))
            {
                var outer = Outermost(dependency);
                if (outer != owner)
                {
                    used.Add(outer);
                }
            }
        }

        return graph;
    }

    public static Type Outermost(Type type)
    {
        while (type.IsGenericParameter || type.HasElementType)
        {
            type = type.IsGenericParameter ? typeof(object) : type.GetElementType()!;
        }

        while (type.DeclaringType is { } declaring)
        {
            type = declaring;
        }

        return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
    }

    private static IEnumerable<Type> Used(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || !found.Add(t))
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
            }

            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }

        void AddMethod(MethodBase method)
        {
            Add(method.DeclaringType);
            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }

            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
                if (info.IsGenericMethod)
                {
                    foreach (var argument in info.GetGenericArguments())
                    {
                        Add(argument);
                    }
                }
            }
        }

        Add(type.BaseType);
        foreach (var face in type.GetInterfaces())
        {
            Add(face);
        }

        foreach (var attribute in type.CustomAttributes)
        {
            Add(attribute.AttributeType);
        }

        foreach (var field in type.GetFields(Everything))
        {
            Add(field.FieldType);
        }

        foreach (var property in type.GetProperties(Everything))
        {
            Add(property.PropertyType);
        }

        foreach (var e in type.GetEvents(Everything))
        {
            Add(e.EventHandlerType);
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            AddMethod(method);
            foreach (var attribute in method.CustomAttributes)
            {
                Add(attribute.AttributeType);
            }

            foreach (var member in BodyReferences(method))
            {
                switch (member)
                {
                    case Type t:
                        Add(t);
                        break;
                    case MethodBase m:
                        AddMethod(m);
                        break;
                    case FieldInfo f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }
        }

        return found.Where(t => !t.IsGenericParameter);
    }

    /// <summary>The members a method body names: every inline type, method, field or token operand of its IL.</summary>
    private static IEnumerable<MemberInfo> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var module = method.Module;
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = (short)il[i++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[i++]);
            }

            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineType:
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    MemberInfo? member = null;
                    try
                    {
                        member = module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                        // A token that needs generic context we do not have: its declaring type is in the signature anyway.
                    }

                    if (member is not null)
                    {
                        yield return member;
                    }

                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    i += 8;
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }
}
