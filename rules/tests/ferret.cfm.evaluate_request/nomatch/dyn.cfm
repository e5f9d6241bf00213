<!--- legitimate: reads dynamically named form fields --->
<cfloop from="1" to="3" index="i"><cfset q = Evaluate("form.qty_#i#")></cfloop>
<cfset v = IIF(structKeyExists(form, "x"), DE(form.x), DE(""))>
