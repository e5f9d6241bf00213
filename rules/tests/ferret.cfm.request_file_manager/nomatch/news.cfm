<cfdirectory action="list" directory="#expandPath('./news')#" name="d" filter="*.txt">
<cfloop query="d"><cffile action="read" file="#expandPath('./news/' & d.name)#" variable="t"><cfoutput>#t#</cfoutput></cfloop>
