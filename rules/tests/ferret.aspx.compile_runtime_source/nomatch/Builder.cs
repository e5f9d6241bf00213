using System.CodeDom.Compiler;
class B { void M(CodeDomProvider p, CompilerParameters cp, string s) { p.CompileAssemblyFromSource(cp, s); } }
